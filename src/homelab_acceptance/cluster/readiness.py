"""Readiness of a cluster, as a user would judge it: the API answers /readyz, the node is Ready
with a heartbeat newer than the (re)start, the default ServiceAccount exists, and (for a
cluster the harness starts) the add-ons in kube-system are available: CoreDNS answers names
and the local-path provisioner binds volumes only once their pods are ready.

One log line is not readiness (testcontainers' K3S module waits on exactly that), and a Ready
condition from before a restart is stale: it stays True for the node-monitor grace period.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from kubernetes import client as k8s

from homelab_acceptance.kube.client import raw_get
from homelab_acceptance.waiting import Observation, wait_for

#: A readiness look's API call that gets no answer in this time is a look that failed (the
#: client would otherwise wait for ever, and the wait's deadline with it).
LOOK_TIMEOUT_S = 10.0


def api_answers_readyz(api: k8s.ApiClient) -> Observation:
    status, body = raw_get(api, "/readyz")
    return Observation(status == 200 and body.strip() == "ok", f"/readyz {status}: {body[:200]}")


def node_ready_since(api: k8s.ApiClient, node_name: str, since: datetime) -> Observation:
    nodes = k8s.CoreV1Api(api).list_node().items
    names = [str(n.metadata.name) for n in nodes if n.metadata]
    node = next((n for n in nodes if n.metadata and n.metadata.name == node_name), None)
    if node is None:
        return Observation(False, f"node {node_name} not registered (nodes: {names or 'none'})")
    conditions = (node.status.conditions if node.status else None) or []
    ready = next((c for c in conditions if c.type == "Ready"), None)
    if ready is None:
        return Observation(False, f"node {node_name} has no Ready condition yet")
    fresh = ready.last_heartbeat_time is not None and ready.last_heartbeat_time >= since
    seen = (
        f"Ready={ready.status} ({ready.reason}: {ready.message}), "
        f"heartbeat {ready.last_heartbeat_time}"
    )
    return Observation(ready.status == "True" and fresh, seen)


def default_service_account_exists(api: k8s.ApiClient) -> Observation:
    accounts = k8s.CoreV1Api(api).list_namespaced_service_account("default").items
    names = [str(sa.metadata.name) for sa in accounts if sa.metadata]
    return Observation("default" in names, f"ServiceAccounts in default: {names}")


def kube_system_deployments_available(api: k8s.ApiClient) -> Observation:
    deployments = k8s.AppsV1Api(api).list_namespaced_deployment("kube-system").items
    counts = {
        str(d.metadata.name): (
            (d.status.available_replicas or 0) if d.status else 0,
            (d.spec.replicas if d.spec and d.spec.replicas is not None else 1),
        )
        for d in deployments
        if d.metadata
    }
    seen = ", ".join(f"{name} {have}/{want}" for name, (have, want) in sorted(counts.items()))
    available = bool(counts) and all(have >= want for have, want in counts.values())
    return Observation(available, f"available: {seen or 'no Deployments yet'}")


def wait_until_ready(
    api: k8s.ApiClient,
    node_name: str,
    since: datetime,
    timeout_s: float,
    what: str,
    *,
    addons: bool = True,
) -> None:
    """Return when the cluster is ready for workloads, or raise WaitTimeout naming the step.
    `addons=False` skips kube-system's Deployments (a cluster the harness did not make may
    run its add-ons elsewhere)."""
    steps: list[tuple[str, Any]] = [
        ("the API server's /readyz", lambda: api_answers_readyz(api)),
        (f"node {node_name} Ready", lambda: node_ready_since(api, node_name, since)),
        ("the default ServiceAccount", lambda: default_service_account_exists(api)),
    ]
    if addons:
        steps.append(
            ("kube-system's Deployments available", lambda: kube_system_deployments_available(api))
        )
    deadline = time.monotonic() + timeout_s
    for awaiting, look in steps:
        remaining = max(1.0, deadline - time.monotonic())
        wait_for(look, awaiting=f"{what}: {awaiting}", timeout_s=remaining)
