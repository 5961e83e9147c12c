"""`--doctor`: the preflight runs before anything starts and a failed finding ends the run with
exit code 2 and the finding's line (here: no Docker engine answers at DOCKER_HOST)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (directory / "test_trivial.py").write_text("def test_nothing_needed():\n    pass\n")
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(directory), "-p", "no:cacheprovider", "-q",
         "--report-dir", str(directory / "reports"), *args],
        capture_output=True, text=True, check=False, cwd=directory, timeout=120,
        env={**os.environ, "DOCKER_HOST": f"unix://{directory}/no-engine.sock"},
    )  # fmt: skip


def test_a_failed_finding_ends_the_run_before_any_test_with_exit_2(tmp_path: Path) -> None:
    result = run(tmp_path, "--doctor")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "preflight: fail  docker" in result.stdout + result.stderr
    assert "1 passed" not in result.stdout


def test_without_the_option_no_preflight_runs(tmp_path: Path) -> None:
    result = run(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "preflight" not in result.stdout + result.stderr
