"""Waiting for a Service to have ready endpoints, saying why its pods are not ready if not."""

from __future__ import annotations

from kubernetes import client as k8s

from homelab_acceptance.kube.pods import why_not_ready
from homelab_acceptance.waiting import Observation, wait_for


def service_has_ready_endpoints(api: k8s.ApiClient, namespace: str, name: str) -> Observation:
    core = k8s.CoreV1Api(api)
    endpoints = core.read_namespaced_endpoints(name, namespace)
    addresses = [a.ip for s in endpoints.subsets or [] for a in s.addresses or []]
    if addresses:
        return Observation(True, f"endpoints of {name}: {addresses}")
    service = core.read_namespaced_service(name, namespace)
    selector = (service.spec.selector if service.spec else None) or {}
    labels = ",".join(f"{key}={value}" for key, value in selector.items())
    pods = core.list_namespaced_pod(namespace, label_selector=labels).items if labels else []
    reasons = [f"{p.metadata.name if p.metadata else '?'}: {why_not_ready(p)}" for p in pods]
    return Observation(False, f"no ready endpoint behind {name}; pods: {reasons or 'none'}")


def wait_service_ready(
    api: k8s.ApiClient, namespace: str, name: str, timeout_s: float = 90
) -> None:
    wait_for(
        lambda: service_has_ready_endpoints(api, namespace, name),
        awaiting=f"a ready endpoint behind Service {namespace}/{name}",
        timeout_s=timeout_s,
    )
