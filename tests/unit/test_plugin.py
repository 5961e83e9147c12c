"""The pytest plugin, run as a user runs it: in a pytest process of its own."""

from __future__ import annotations

import os
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


def test_a_bad_cluster_spec_is_a_usage_error_with_one_line_and_no_traceback(
    tmp_path: Path,
) -> None:
    (tmp_path / "test_uses_cluster.py").write_text("def test_needs_a_cluster(cluster):\n    pass\n")
    result = run_pytest(tmp_path, "--cluster", "bogus://x")
    assert result.returncode == 4  # a bad option, as the README's table says
    message = (
        "ERROR: cluster spec 'bogus://x': unknown provider; "
        "use one of debian://, k3s://, k3d://, kubeconfig:// or auto"
    )
    assert result.stderr.strip() == message, result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_a_bad_cluster_option_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "test_uses_cluster.py").write_text("def test_needs_a_cluster(cluster):\n    pass\n")
    result = run_pytest(tmp_path, "--cluster", "debian://?nodeports=1-2")
    assert result.returncode == 4
    assert "option nodeports='1-2': expected FIRST-LAST within 30000-32767" in result.stderr


def test_the_plugin_registers_its_options(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, "--help")
    assert "--cluster=CLUSTER" in result.stdout
    assert "--keep-cluster" in result.stdout


def test_an_invalid_stack_spec_ends_the_run_with_exit_4_before_anything_starts(
    tmp_path: Path,
) -> None:
    (tmp_path / "test_uses_stack.py").write_text("def test_needs_a_cluster(cluster):\n    pass\n")
    spec = tmp_path / "stack.yaml"
    spec.write_text("apiVersion: homelab-acceptance/v1\nkind: Stack\ncomponents: []\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(tmp_path),
            "-p",
            "no:cacheprovider",
            f"--stack={spec}",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=120,
        # No Docker engine: the spec error must come first, and alone.
        env={**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"},
    )
    assert result.returncode == 4
    assert f"{spec}:3: components: [] should be non-empty" in result.stderr
    assert "Docker" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
