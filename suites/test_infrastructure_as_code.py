"""The stack as code: re-applying it changes nothing, and a change made by hand to a
provisioned object is found as drift by the component's own provisioner, then repaired by
applying again."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from kubernetes import client as k8s

from homelab_acceptance.provision.contract import Provisioner
from homelab_acceptance.pytest_plugin.session_state import stack_key
from homelab_acceptance.spec import Stack

pytestmark = pytest.mark.requirement(
    "iac-idempotent-drift-detected",
    "The stack as code is idempotent, and drift is detected and repaired",
)

if TYPE_CHECKING:
    from homelab_acceptance.pytest_plugin.stack_fixtures import ProvisionedStack


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One drift check per component of the stack spec, named by the component."""
    if "component_name" in metafunc.fixturenames:
        stack: Stack | None = metafunc.config.stash.get(stack_key, None)
        names = [c.name for c in stack.components] if stack is not None else []
        metafunc.parametrize("component_name", names)


def test_reapplying_the_stack_changes_nothing(
    provisioned_stack: ProvisionedStack, evidence: dict[str, Any]
) -> None:
    outcomes = provisioned_stack.lifecycle.apply()
    evidence["second_apply_s"] = {o.component: round(o.applied.seconds, 2) for o in outcomes}
    changed = {o.component: list(o.applied.changes) for o in outcomes if o.applied.changes}
    assert not changed, f"re-applying the unchanged stack changed: {changed}"


@pytest.mark.disruptive
def test_a_change_by_hand_is_found_as_drift_and_repaired(
    component_name: str,
    provisioned_stack: ProvisionedStack,
    kube_api: k8s.ApiClient,
    evidence: dict[str, Any],
) -> None:
    provisioner = _provisioner(provisioned_stack, component_name)
    namespace = provisioner.component.namespace
    assert provisioner.drift() == (), "drift before any change: the check would prove nothing"
    change = _change_by_hand(k8s.AppsV1Api(kube_api), namespace)
    try:
        found = provisioner.drift()
        evidence["drift"] = list(found)
        assert found, f"{change} by hand was not found"
    finally:
        provisioner.apply()
        provisioner.wait_settled()
    assert provisioner.drift() == (), "applying again did not repair the drift"


def _change_by_hand(apps: k8s.AppsV1Api, namespace: str) -> str:
    """Change the namespace's first Deployment (one more replica) or, with none, its first
    DaemonSet (a longer grace period for its pods) behind the tool's back; what was done."""
    deployments = apps.list_namespaced_deployment(namespace).items
    if deployments:
        name = str(deployments[0].metadata.name)
        replicas = deployments[0].spec.replicas or 1
        apps.patch_namespaced_deployment(name, namespace, {"spec": {"replicas": replicas + 1}})
        return f"scaling Deployment {namespace}/{name} to {replicas + 1}"
    daemon_sets = apps.list_namespaced_daemon_set(namespace).items
    if not daemon_sets:
        pytest.skip(f"no Deployment and no DaemonSet in namespace {namespace} to change by hand")
    name = str(daemon_sets[0].metadata.name)
    grace = (daemon_sets[0].spec.template.spec.termination_grace_period_seconds or 30) + 1
    pod_spec = {"terminationGracePeriodSeconds": grace}
    apps.patch_namespaced_daemon_set(name, namespace, {"spec": {"template": {"spec": pod_spec}}})
    return f"setting DaemonSet {namespace}/{name}'s terminationGracePeriodSeconds to {grace}"


def _provisioner(provisioned: ProvisionedStack, name: str) -> Provisioner:
    return next(p for p in provisioned.lifecycle.provisioners() if p.component.name == name)
