from __future__ import annotations

import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from homelab_acceptance.run_identity import (
    KEEP_LABEL,
    LABEL,
    OWNER_FILE,
    OWNER_LABEL,
    Owner,
    RunIdentity,
)


def test_owner_round_trips_through_its_label() -> None:
    owner = Owner.current()
    assert Owner.parse(str(owner)) == owner


def test_the_current_process_is_alive() -> None:
    assert Owner.current().is_alive()


def test_an_exited_process_is_not_alive() -> None:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    owner = Owner(Owner.current().host, int(child.stdout), Owner.current().start_time)
    assert not owner.is_alive()


def test_a_reused_pid_with_another_start_time_is_not_the_owner() -> None:
    current = Owner.current()
    assert not Owner(current.host, current.pid, "1").is_alive()


def test_an_owner_on_another_host_cannot_be_judged_and_counts_as_alive() -> None:
    assert Owner("some-other-host", 1, "1").is_alive()


def test_malformed_owner_labels_are_rejected() -> None:
    for text in ("", "host", "host/pid/x", "host/12/"):
        assert Owner.parse(text) is None


def test_labels_carry_the_run_id_owner_and_keep_flag() -> None:
    identity = RunIdentity.new()
    assert identity.labels() == {LABEL: identity.run_id, OWNER_LABEL: str(identity.owner)}
    assert identity.labels(keep=True)[KEEP_LABEL] == "true"


def test_a_work_dir_appears_with_its_owner_and_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    identity = RunIdentity.new()
    path = identity.workdir()
    assert path == tmp_path / "homelab-acceptance" / identity.run_id
    assert (path / OWNER_FILE).read_text() == str(identity.owner)
    assert stat.S_IMODE(path.stat().st_mode) == 0o700
    assert stat.S_IMODE((path / OWNER_FILE).stat().st_mode) == 0o600
    (path / "kubeconfig").write_text("kept")
    assert identity.workdir() == path  # again: the same directory, its files kept
    assert (path / "kubeconfig").read_text() == "kept"
    assert [p.name for p in path.parent.iterdir()] == [identity.run_id]  # no staging left
