"""Why the scheduler left a pod Pending, in its own words: the pod's PodScheduled condition
(`0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules.`), else its newest
FailedScheduling event."""

from __future__ import annotations

from typing import Any

from kubernetes import client as k8s


def unscheduled_reason(api: k8s.ApiClient, pod: Any) -> str | None:
    """The scheduler's message for a pod it has not placed; None once the pod is scheduled
    or while the scheduler has not said anything yet."""
    for condition in (pod.status.conditions if pod.status else None) or []:
        if condition.type == "PodScheduled":
            if condition.status == "True":
                return None
            if condition.message:
                return _one_line(condition.message)
    meta = pod.metadata
    events = (
        k8s.CoreV1Api(api)
        .list_namespaced_event(
            meta.namespace,
            field_selector=f"involvedObject.name={meta.name},reason=FailedScheduling",
        )
        .items
    )
    if not events:
        return None
    newest = max(events, key=lambda e: str(e.last_timestamp or e.event_time or e.first_timestamp))
    return _one_line(str(newest.message or "")) or None


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]
