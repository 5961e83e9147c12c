"""Restarts and OOM kills as findings: the stack's containers are counted once the stack has
settled, and every restart after that is named with its container, how many, and why the
container last ended (OOMKilled with its memory limit, Error with the exit code, a failing
liveness probe in the pod's events). A container restarted every half minute by a failing
liveness probe can be Ready most of the time: only its restart count tells."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kubernetes import client as k8s

from homelab_acceptance.kube.pods import last_termination

#: (namespace, pod uid, container name) -> restart count.
RestartCounts = dict[tuple[str, str, str], int]


@dataclass(frozen=True)
class Restarted:
    namespace: str
    pod: str
    container: str
    restarts: int
    last_reason: str

    def line(self) -> str:
        return (
            f"container {self.container} of pod {self.namespace}/{self.pod} restarted "
            f"{self.restarts} time(s) since the stack settled (last ended: {self.last_reason})"
        )

    def as_evidence(self) -> dict[str, object]:
        return {
            "pod": f"{self.namespace}/{self.pod}",
            "container": self.container,
            "restarts": self.restarts,
            "last_reason": self.last_reason,
        }


def _pods(api: k8s.ApiClient, namespaces: Iterable[str]) -> list[Any]:
    core = k8s.CoreV1Api(api)
    return [
        pod
        for namespace in sorted(set(namespaces))
        for pod in core.list_namespaced_pod(namespace).items
    ]


def restart_counts(api: k8s.ApiClient, namespaces: Iterable[str]) -> RestartCounts:
    """Every container's restart count now, in the given namespaces."""
    counts: RestartCounts = {}
    for pod in _pods(api, namespaces):
        for status in (pod.status.container_statuses if pod.status else None) or []:
            key = (str(pod.metadata.namespace), str(pod.metadata.uid), str(status.name))
            counts[key] = int(status.restart_count or 0)
    return counts


def restarted_since(
    api: k8s.ApiClient, namespaces: Iterable[str], before: RestartCounts
) -> list[Restarted]:
    """The containers that restarted since `before` was counted (a pod made since then
    counts from zero)."""
    found = []
    for pod in _pods(api, namespaces):
        namespace, uid = str(pod.metadata.namespace), str(pod.metadata.uid)
        for status in (pod.status.container_statuses if pod.status else None) or []:
            now = int(status.restart_count or 0)
            since = now - before.get((namespace, uid, str(status.name)), 0)
            if since <= 0:
                continue
            reason = _last_reason(api, pod, status)
            found.append(
                Restarted(namespace, str(pod.metadata.name), str(status.name), since, reason)
            )
    return found


def _last_reason(api: k8s.ApiClient, pod: Any, status: Any) -> str:
    ended = last_termination(pod, status)
    if ended is None:
        return "unknown (no last state recorded)"
    if ended.startswith("OOMKilled"):
        return ended
    liveness = _liveness_failure(api, pod)
    return f"{ended}; {liveness}" if liveness else ended


def _liveness_failure(api: k8s.ApiClient, pod: Any) -> str | None:
    """The pod's newest 'Liveness probe failed' event, if any: why the kubelet killed it."""
    events = (
        k8s.CoreV1Api(api)
        .list_namespaced_event(
            pod.metadata.namespace, field_selector=f"involvedObject.name={pod.metadata.name}"
        )
        .items
    )
    failed = [e for e in events if "Liveness probe failed" in str(e.message or "")]
    if not failed:
        return None
    newest = max(failed, key=lambda e: str(e.last_timestamp or e.event_time or e.first_timestamp))
    return " ".join(str(newest.message).split())[:200]
