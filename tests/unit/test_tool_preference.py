"""The opentofu provisioner's tool: `tofu` where it is installed, else `terraform`; found on
PATH or beside the running Python (where `tools install` puts tofu)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from homelab_acceptance.provision.cli_tools import find_cli


def _executable(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def nowhere_else(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No tool but the ones a test puts into tmp_path/path or tmp_path/venv."""
    monkeypatch.setenv("PATH", str(tmp_path / "path"))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "venv" / "python"))
    return tmp_path


def test_tofu_beside_python_wins_over_terraform_on_path(nowhere_else: Path) -> None:
    _executable(nowhere_else / "path", "terraform")
    tofu = _executable(nowhere_else / "venv", "tofu")
    assert find_cli("tofu", "terraform") == str(tofu)


def test_terraform_is_taken_where_there_is_no_tofu(nowhere_else: Path) -> None:
    terraform = _executable(nowhere_else / "path", "terraform")
    assert find_cli("tofu", "terraform") == str(terraform)
    assert find_cli("tofu") is None
