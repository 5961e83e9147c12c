"""The stack runs without restarts while it is checked: every container of the stack is
counted once the stack has settled, and any restart since is a finding, named with the
container, the count and why it last ended (OOMKilled with its limit, an exit code, a failing
liveness probe). Runs after every other non-disruptive check (marker `looks_back`) and before
the disruptive ones, whose restarts are expected.

The stack is watched for at least WATCHED_FOR_S after it settled: a container that a failing
liveness probe restarts every half minute, Ready most of the time, must be seen however fast
the other checks were. The watch ends at the first restart (red at once) or when the time is
up (green); in a whole run the other checks take longer than that, so it costs nothing."""

from __future__ import annotations

import time
from typing import Any

import pytest
from kubernetes import client as k8s

from homelab_acceptance.checks.container_restarts import Restarted, restarted_since
from homelab_acceptance.pytest_plugin.stack_fixtures import ProvisionedStack
from homelab_acceptance.waiting import Observation, wait_for

pytestmark = pytest.mark.requirement(
    "stack-stable",
    "The stack runs without restarts or OOM kills while it is checked",
)

#: The shortest time the stack is watched for restarts after it settled.
WATCHED_FOR_S = 60.0


@pytest.mark.looks_back
def test_no_container_of_the_stack_restarted_since_it_settled(
    kube_api: k8s.ApiClient, provisioned_stack: ProvisionedStack, evidence: dict[str, Any]
) -> None:
    stack = provisioned_stack
    restarted: list[Restarted] = []
    watch_until = stack.settled_at + WATCHED_FOR_S

    def look() -> Observation:
        restarted[:] = restarted_since(kube_api, stack.namespaces, stack.settled_restarts)
        over = time.monotonic() >= watch_until
        return Observation(bool(restarted) or over, f"{len(restarted)} restarted so far")

    wait_for(
        look,
        awaiting=f"a restart, or {WATCHED_FOR_S:.0f} s since the stack settled",
        timeout_s=max(0.0, watch_until - time.monotonic()) + 30,
        poll_s=1.0,
    )
    evidence["namespaces"] = list(stack.namespaces)
    evidence["containers_counted_at_settle"] = len(stack.settled_restarts)
    evidence["watched_s"] = round(time.monotonic() - stack.settled_at, 1)
    evidence["restarted"] = [r.as_evidence() for r in restarted]
    assert not restarted, "; ".join(r.line() for r in restarted)
