"""Forensics bundles on a real cluster: a stack whose component never becomes ready leaves,
for the one requirement it breaks ("the stack comes up"; the checks behind it are skipped),
one bundle with the events, the unready pod's full object, its
container logs, the node's state, kubelet log and images; linked from results.json,
acceptance.md, acceptance.html and junit.xml (as CI attachments). A check that passes has
none."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from homelab_acceptance import probe_image

pytestmark = pytest.mark.docker

FIXTURES = Path(__file__).parents[2] / "fixtures"
STACK = """
apiVersion: homelab-acceptance/v1
kind: Stack
metadata: {name: never-ready}
components:
  - name: unready
    provisioner: manifests
    source: unready
    namespace: unready
    settle_timeout_s: 25
    images:
      - {name: "homelab-acceptance/busybox:1.35", build: busybox}
"""
CHECKS = """
def test_needs_the_stack(provisioned_stack):
    pass


def test_needs_the_stack_too(provisioned_stack):
    pass


def test_passes(cluster):
    pass
"""


def test_a_stack_that_never_settles_leaves_one_linked_bundle(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "components" / "unready", tmp_path / "unready")
    (tmp_path / "busybox").mkdir()
    shutil.copy(Path(probe_image.__file__).parent / "Dockerfile", tmp_path / "busybox")
    (tmp_path / "stack.yaml").write_text(STACK)
    (tmp_path / "test_checks.py").write_text(CHECKS)
    reports = tmp_path / "reports"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", str(tmp_path), "-p", "no:cacheprovider", "-q",
         "--cluster", "debian://", f"--stack={tmp_path / 'stack.yaml'}",
         f"--report-dir={reports}"],
        capture_output=True, text=True, cwd=tmp_path, timeout=600, check=False,
    )  # fmt: skip
    # The stack's own doing: a rejected stack, not a run that could not run.
    assert run.returncode == 1, run.stdout[-3000:]
    results = json.loads((reports / "results.json").read_text())
    checks = {check["id"].rsplit("::", 1)[-1]: check for check in results["checks"]}
    came_up = checks["the stack comes up"]
    assert came_up["status"] == "failed", came_up
    assert "component unready" in came_up["message"], came_up
    # One finding, one bundle: the checks behind it are skipped with its reason.
    for needing in (checks["test_needs_the_stack"], checks["test_needs_the_stack_too"]):
        assert needing["status"] == "skipped", needing
        assert needing["message"].startswith("the stack did not come up: "), needing
        assert "artifacts" not in needing
    assert checks["test_passes"]["status"] == "passed"
    bundle = reports / came_up["artifacts"]
    files = {str(p.relative_to(bundle)) for p in bundle.rglob("*") if p.is_file()}
    assert {"README.txt", "evidence.json", "events.txt", "node.txt", "images.txt"} <= files
    assert "node-kubelet.log" in files, files
    pods = [f for f in files if f.startswith("objects/unready/pod-unready-")]
    assert pods, files
    pod = (bundle / pods[0]).read_text()
    assert "status:" in pod
    assert "containerStatuses:" in pod
    assert any(f.startswith("logs/unready/unready-") for f in files), files
    assert "Readiness probe failed" in (bundle / "events.txt").read_text()
    assert "homelab-acceptance/busybox:1.35" in (bundle / "images.txt").read_text()
    assert "Ready=True" in (bundle / "node.txt").read_text()
    total = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file())
    assert total <= 2 * 1024 * 1024
    link = came_up["artifacts"] + "README.txt"
    assert f"({link})" in (reports / "acceptance.md").read_text()
    assert f'href="{link}"' in (reports / "acceptance.html").read_text()
    assert (
        f"[[ATTACHMENT|{reports / came_up['artifacts'] / 'README.txt'}]]"
        in (reports / "junit.xml").read_text()
    )
