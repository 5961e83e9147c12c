"""The command-line tools the stack's provisioners drive, looked up where they will be
(provision/cli_tools.find_cli: PATH, then beside the running Python, i.e. .venv/bin)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from homelab_acceptance.doctor.findings import Finding, fail, ok
from homelab_acceptance.doctor.stack_checks import ComponentFacts
from homelab_acceptance.provision.cli_tools import find_cli

#: Alternatives (the first found is used) each built-in provisioner needs. opentofu hands the
#: module kubectl (TF_VAR_kubectl); manifests needs kubectl only to render kustomize overlays.
_NEEDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "helm": (("helm",),),
    "ansible": (("ansible-playbook",),),
    "opentofu": (("tofu", "terraform"), ("kubectl",)),
}
_KUBE_TOOLS_FIX = "homelab-acceptance tools install puts helm and kubectl beside this Python"
#: How a user gets each tool: every fix names a command they have.
_OWN_FIXES = {
    "helm": _KUBE_TOOLS_FIX,
    "kubectl": _KUBE_TOOLS_FIX,
    "ansible-playbook": "pip install 'homelab-acceptance[provisioners]' (ansible, with the "
    "kubernetes.core collection)",
    "tofu": "homelab-acceptance tools install builds tofu from its Go module beside this "
    "Python (or put Terraform on PATH)",
    "k3d": "install the k3d binary on PATH yourself, or use debian://",
}


@dataclass(frozen=True)
class ToolFacts:
    #: Tool name -> path found, None when missing.
    found: dict[str, str | None]
    #: Where find_cli looks besides PATH.
    beside_python: str


def tools_needed(components: Iterable[ComponentFacts]) -> dict[tuple[str, ...], list[str]]:
    """Tool alternatives -> the components (with their provisioner) that need them."""
    needed: dict[tuple[str, ...], list[str]] = {}
    for component in components:
        wanted = list(_NEEDS.get(component.provisioner, ()))
        if component.provisioner == "manifests" and component.kustomize:
            wanted.append(("kubectl",))
        for alternatives in wanted:
            users = needed.setdefault(alternatives, [])
            users.append(f"{component.name} ({component.provisioner})")
    return needed


def tool_findings(needed: dict[tuple[str, ...], list[str]], facts: ToolFacts) -> list[Finding]:
    findings = []
    for alternatives, users in needed.items():
        what = f"tool {' or '.join(alternatives)}"
        path = next((facts.found.get(name) for name in alternatives if facts.found.get(name)), None)
        if path is not None:
            findings.append(ok(what, f"{path}, for {', '.join(users)}"))
            continue
        fix = _OWN_FIXES.get(alternatives[0], _KUBE_TOOLS_FIX)
        findings.append(
            fail(
                what,
                f"not on PATH or in {facts.beside_python}; needed by {', '.join(users)}",
                fix,
            )
        )
    return findings


def gather_tools(needed: Iterable[tuple[str, ...]]) -> ToolFacts:
    names = {name for alternatives in needed for name in alternatives}
    return ToolFacts(
        {name: find_cli(name) for name in sorted(names)}, str(Path(sys.executable).parent)
    )
