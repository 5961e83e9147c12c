"""The pytest plugin, run as a user runs it: in a pytest process of its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_pytest(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(directory), "-p", "no:cacheprovider", "-q", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=directory,
        timeout=120,
    )


def test_a_bad_cluster_spec_fails_each_test_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "test_uses_cluster.py").write_text("def test_needs_a_cluster(cluster):\n    pass\n")
    result = run_pytest(tmp_path, "--cluster", "bogus://x")
    assert result.returncode == 1
    message = (
        "cluster spec 'bogus://x': unknown provider; "
        "use one of debian://, k3s://, k3d://, kubeconfig:// or auto"
    )
    details = result.stdout.split("short test summary info")[0]
    assert details.count(message) == 1, result.stdout
    assert "Traceback" not in result.stdout
    assert "During handling" not in result.stdout


def test_the_plugin_registers_its_options(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, "--help")
    assert "--cluster=CLUSTER" in result.stdout
    assert "--keep-cluster" in result.stdout
