"""Draining a node the way `kubectl drain` does: cordon it, then evict pods through the
Eviction API, which honours PodDisruptionBudgets (a refusal is HTTP 429). The policy API
version is the newest the server serves (policy/v1beta1 before Kubernetes 1.21)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from homelab_acceptance.kube.client import raw_get
from homelab_acceptance.waiting import Observation, wait_for


def policy_api_version(api: k8s.ApiClient) -> str:
    """`policy/v1` where served, else the server's preferred policy version."""
    status, body = raw_get(api, "/apis/policy")
    if status != 200:
        return "policy/v1"
    group = json.loads(body)
    served = {version["groupVersion"] for version in group.get("versions", [])}
    if "policy/v1" in served:
        return "policy/v1"
    return str(group["preferredVersion"]["groupVersion"])


@contextmanager
def cordoned(api: k8s.ApiClient, node: str) -> Iterator[None]:
    """The node unschedulable for the block, and schedulable again after it, whatever
    happened inside."""
    core = k8s.CoreV1Api(api)
    core.patch_node(node, {"spec": {"unschedulable": True}})
    try:
        yield
    finally:
        core.patch_node(node, {"spec": {"unschedulable": None}})


def evict(api: k8s.ApiClient, namespace: str, pod: str, policy_version: str) -> tuple[int, str]:
    """Ask the Eviction API to evict `pod`: the HTTP status (201 evicted, 429 refused by a
    disruption budget) and the server's reason in one line."""
    # A plain dict: the typed V1Eviction would say policy/v1, which servers before 1.22 refuse.
    body: Any = {
        "apiVersion": policy_version,
        "kind": "Eviction",
        "metadata": {"name": pod, "namespace": namespace},
    }
    try:
        k8s.CoreV1Api(api).create_namespaced_pod_eviction(pod, namespace, body)
    except ApiException as error:
        return int(error.status or 0), _reason(error)
    return 201, "evicted"


@contextmanager
def disruption_budget(
    api: k8s.ApiClient,
    *,
    namespace: str,
    name: str,
    match_labels: dict[str, str],
    labels: dict[str, str],
    policy_version: str,
) -> Iterator[None]:
    """A PodDisruptionBudget with minAvailable 1 over `match_labels` for the block, deleted
    after it. It is yielded once the disruption controller has computed its status (before
    that, an eviction is refused for another reason: the budget is "still being processed")."""
    group, _, version = policy_version.partition("/")
    custom = k8s.CustomObjectsApi(api)
    body: dict[str, Any] = {
        "apiVersion": policy_version,
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "labels": labels},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": match_labels}},
    }
    custom.create_namespaced_custom_object(group, version, namespace, "poddisruptionbudgets", body)
    try:
        wait_for(
            lambda: _budget_observed(custom, policy_version, namespace, name),
            awaiting=f"PodDisruptionBudget {namespace}/{name} computed",
            timeout_s=30,
        )
        yield
    finally:
        custom.delete_namespaced_custom_object(
            group, version, namespace, "poddisruptionbudgets", name
        )


def _budget_observed(
    custom: k8s.CustomObjectsApi, policy_version: str, namespace: str, name: str
) -> Observation:
    group, _, version = policy_version.partition("/")
    budget: Any = custom.get_namespaced_custom_object(
        group, version, namespace, "poddisruptionbudgets", name
    )
    status = budget.get("status") or {}
    observed = status.get("observedGeneration") == budget["metadata"].get("generation")
    return Observation(
        observed and "currentHealthy" in status,
        f"observedGeneration {status.get('observedGeneration')}, "
        f"currentHealthy {status.get('currentHealthy')}, "
        f"disruptionsAllowed {status.get('disruptionsAllowed')}",
    )


def _reason(error: ApiException) -> str:
    try:
        message = str(json.loads(error.body or "{}").get("message", ""))
    except ValueError:
        message = ""
    return " ".join((message or str(error.reason)).split())[:200]
