"""Host-side work dirs are reaped by owner, not only by node container: a kubeconfig:// run
has no container but keeps state (OpenTofu's) in its work dir while it lives."""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

import pytest

from homelab_acceptance.docker_engine import connect_docker
from homelab_acceptance.reaper import reap
from homelab_acceptance.run_identity import OWNER_FILE, RunIdentity


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
