"""The stack runs without restarts while it is checked: every container of the stack is
counted once the stack has settled, and any restart since is a finding, named with the
container, the count and why it last ended (OOMKilled with its limit, an exit code, a failing
liveness probe). Runs after every other non-disruptive check (marker `looks_back`) and before
the disruptive ones, whose restarts are expected."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client as k8s

from homelab_acceptance.checks.container_restarts import restarted_since
from homelab_acceptance.pytest_plugin.stack_fixtures import ProvisionedStack

pytestmark = pytest.mark.requirement(
    "stack-stable",
    "The stack runs without restarts or OOM kills while it is checked",
)


@pytest.mark.looks_back
def test_no_container_of_the_stack_restarted_since_it_settled(
    kube_api: k8s.ApiClient, provisioned_stack: ProvisionedStack, evidence: dict[str, Any]
) -> None:
    restarted = restarted_since(
        kube_api, provisioned_stack.namespaces, provisioned_stack.settled_restarts
    )
    evidence["namespaces"] = list(provisioned_stack.namespaces)
    evidence["containers_counted_at_settle"] = len(provisioned_stack.settled_restarts)
    evidence["restarted"] = [r.as_evidence() for r in restarted]
    assert not restarted, "; ".join(r.line() for r in restarted)
