"""Tool findings: each provisioner's tools, a missing one named with how to get it."""

from __future__ import annotations

from homelab_acceptance.doctor.findings import Level
from homelab_acceptance.doctor.stack_checks import ComponentFacts
from homelab_acceptance.doctor.tool_checks import ToolFacts, tool_findings, tools_needed

COMPONENTS = (
    ComponentFacts("app", "manifests"),
    ComponentFacts("overlay", "manifests", kustomize=True),
    ComponentFacts("prometheus", "helm"),
    ComponentFacts("alertmanager", "ansible"),
    ComponentFacts("node-exporter", "opentofu"),
    ComponentFacts("custom", "third-party"),
)
ALL_FOUND = ToolFacts(
    {
        "helm": "/v/helm",
        "kubectl": "/v/kubectl",
        "ansible-playbook": "/v/ansible-playbook",
        "tofu": None,
        "terraform": "/usr/local/bin/terraform",
    },
    "/v",
)


def test_each_provisioner_needs_its_tools() -> None:
    assert tools_needed(COMPONENTS) == {
        ("kubectl",): ["overlay (manifests)", "node-exporter (opentofu)"],
        ("helm",): ["prometheus (helm)"],
        ("ansible-playbook",): ["alertmanager (ansible)"],
        ("tofu", "terraform"): ["node-exporter (opentofu)"],
    }


def test_plain_manifests_need_no_tool() -> None:
    assert tools_needed([ComponentFacts("app", "manifests")]) == {}


def test_found_tools_are_ok_with_their_path() -> None:
    findings = tool_findings(tools_needed(COMPONENTS), ALL_FOUND)
    assert {f.level for f in findings} == {Level.OK}
    assert any("/usr/local/bin/terraform" in f.seen for f in findings)


def test_a_missing_helm_fails_naming_it_and_the_command_that_installs_it() -> None:
    facts = ToolFacts({**ALL_FOUND.found, "helm": None}, "/v")
    failed = [f for f in tool_findings(tools_needed(COMPONENTS), facts) if f.level is Level.FAIL]
    assert len(failed) == 1
    assert failed[0].what == "tool helm"
    assert "prometheus (helm)" in failed[0].seen
    assert failed[0].fix.startswith("homelab-acceptance tools install")


def test_a_missing_tofu_and_terraform_fix_is_not_the_kube_tools_installer() -> None:
    facts = ToolFacts({**ALL_FOUND.found, "terraform": None}, "/v")
    failed = [f for f in tool_findings(tools_needed(COMPONENTS), facts) if f.level is Level.FAIL]
    assert [f.what for f in failed] == ["tool tofu or terraform"]
    assert failed[0].fix == (
        "homelab-acceptance tools install builds tofu from its Go module beside this Python "
        "(or put Terraform on PATH)"
    )
