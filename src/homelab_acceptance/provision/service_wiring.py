"""Whether a component's Services reach its pods, checked once its workloads have settled: a
Service whose selector matches no pod, or whose named targetPort no selected container
exposes, has no endpoints, and every check behind it would fail later with a symptom
("Connection refused", "no series") instead of the cause. Named here, at once, with the
selector and the labels the namespace's pods do have."""

from __future__ import annotations

from typing import Any

from kubernetes import client as k8s


def service_wiring_problems(api: k8s.ApiClient, namespace: str) -> list[str]:
    """One line per Service of the namespace that selects no pod or names a port no selected
    container has; empty when every Service with a selector reaches its pods."""
    core = k8s.CoreV1Api(api)
    pods: list[Any] = [
        pod
        for pod in core.list_namespaced_pod(namespace).items
        if pod.metadata is not None and not pod.metadata.deletion_timestamp
    ]
    problems = []
    services: list[Any] = core.list_namespaced_service(namespace).items
    for service in services:
        spec = service.spec
        selector: dict[str, str] = dict((spec.selector if spec else None) or {})
        if not selector or spec.type == "ExternalName":
            continue
        name = f"Service {namespace}/{service.metadata.name}"
        selected = [p for p in pods if _matches(selector, p.metadata.labels or {})]
        if not selected:
            problems.append(
                f"{name}: spec.selector {_labels(selector)} matches no pod "
                f"(pods here have {_pod_label_sets(pods)})"
            )
            continue
        exposed = {
            port.name
            for pod in selected
            for container in (pod.spec.containers if pod.spec else [])
            for port in container.ports or []
            if port.name
        }
        for port in spec.ports or []:
            target = port.target_port
            if isinstance(target, str) and not target.isdigit() and target not in exposed:
                problems.append(
                    f"{name}: port {port.port} targets the named port {target!r}, which no "
                    f"selected container exposes (named ports: {sorted(exposed) or 'none'})"
                )
    return problems


def _matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def _labels(labels: dict[str, str]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in sorted(labels.items())) + "}"


def _pod_label_sets(pods: list[Any]) -> str:
    seen = sorted({_labels(dict(p.metadata.labels or {})) for p in pods})
    if not seen:
        return "none: no pod"
    return "; ".join(seen[:5]) + ("; …" if len(seen) > 5 else "")
