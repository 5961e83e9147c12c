"""Host-side work dirs are reaped by owner, not only by node container: a kubeconfig:// run
has no container but keeps state (OpenTofu's) in its work dir while it lives."""

from __future__ import annotations

import os
import socket
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.probe_image import build_probe_image
from homelab_acceptance.reaper import reap
from homelab_acceptance.run_identity import LABEL, OWNER_FILE, OWNER_LABEL, RunIdentity


def test_a_living_runs_work_dir_is_kept_and_a_dead_ones_is_reaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    living = RunIdentity.new().workdir()
    dead = RunIdentity.new().workdir()
    # This host and pid, but another start time: a process that has since ended.
    (dead / OWNER_FILE).write_text(f"{socket.gethostname()}/{os.getpid()}/1")
    reaped = reap(connect_docker())
    assert living.is_dir(), "the work dir of a run that is still going was removed"
    assert not dead.exists()
    assert str(dead) in reaped.workdirs


def test_two_reapers_at_once_both_finish(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two runs started together reap the same leftovers: neither fails on the other's
    removal in progress (Docker answers 409 to the second)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    client = connect_docker()
    image = build_probe_image(client, lambda _: None)
    dead_owner = f"{socket.gethostname()}/{os.getpid()}/1"
    for _ in range(3):
        client.containers.run(
            image, ["sleep", "600"], detach=True,
            labels={LABEL: RunIdentity.new().run_id, OWNER_LABEL: dead_owner},
        )  # fmt: skip
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = [pool.submit(reap, connect_docker()) for _ in range(2)]
        for result in results:
            result.result()  # raises what the reaper raised
    left = client.containers.list(all=True, filters={"label": f"{OWNER_LABEL}={dead_owner}"})
    assert left == []
