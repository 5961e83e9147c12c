"""The command line: bad input and an unreachable engine end in one line and exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from homelab_acceptance.cli import main


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "homelab_acceptance.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize("command", [["node", "build"], ["clean"]])
def test_an_unreachable_docker_engine_is_one_line_and_exit_2(
    command: list[str], tmp_path: Path
) -> None:
    socket_path = tmp_path / "no-engine.sock"
    result = run_cli(*command, env={"DOCKER_HOST": f"unix://{socket_path}"})
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        f"homelab-acceptance: Docker engine not reachable at unix://{socket_path}"
    )
    assert "start dockerd" in lines[0]


def test_an_unknown_command_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as raised:
        main(["frobnicate"])
    assert raised.value.code == 2
