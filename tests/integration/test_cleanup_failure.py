"""A cleanup that failed fails the gate: a run whose checks all pass, but whose cluster could
not be removed, is not accepted. The removal really runs (a debian:// node) and then reports
a failure the test injects, since a real engine seldom refuses a removal on cue."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.docker

CONFTEST = """
from homelab_acceptance.cluster.container_cluster import ContainerCluster
from homelab_acceptance.errors import ClusterError

_remove = ContainerCluster.down


def _remove_then_fail(self):
    _remove(self)
    raise ClusterError("volume still in use (injected by test_cleanup_failure.py)")


ContainerCluster.down = _remove_then_fail
"""
CHECKS = """
def test_passes(cluster):
    pass
"""


def test_a_cluster_that_could_not_be_removed_fails_the_gate(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_checks.py").write_text(CHECKS)
    reports = tmp_path / "reports"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", str(tmp_path), "-p", "no:cacheprovider",
         "--cluster=debian://", f"--report-dir={reports}"],
        capture_output=True, text=True, cwd=tmp_path, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 1, run.stdout[-3000:]
    # On a line of its own, not glued to the test's dot.
    said = [line for line in run.stdout.splitlines() if line.startswith("cleanup failed: ")]
    assert said, run.stdout[-3000:]
    assert "volume still in use (injected" in said[0]
    assert "homelab-acceptance clean" in said[0]
    results = json.loads((reports / "results.json").read_text())
    checks = {check["id"]: check for check in results["checks"]}
    assert checks["test_checks.py::test_passes"]["status"] == "passed"
    cleanup = checks["cleanup::the run leaves nothing behind"]
    assert cleanup["status"] == "error", cleanup
    assert "removing the debian:// cluster" in cleanup["message"], cleanup
    assert results["verdict"] == "rejected"
    assert "acceptance: REJECTED" in run.stdout
