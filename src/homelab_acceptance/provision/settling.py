"""Whether workloads have settled: rollouts complete, jobs done. What has not settled is named
with the reason its pods give (ImagePullBackOff, CrashLoopBackOff, Unschedulable, …)."""

from __future__ import annotations

from typing import Any

from kubernetes import client as k8s

from homelab_acceptance.probes.pods import why_not_ready


def unsettled_workloads(api: k8s.ApiClient, workloads: list[dict[str, Any]]) -> list[str]:
    """One line per workload that has not settled yet; empty when all have."""
    apps = k8s.AppsV1Api(api)
    batch = k8s.BatchV1Api(api)
    waiting: list[str] = []
    for workload in workloads:
        kind = workload["kind"]
        name = workload["metadata"]["name"]
        namespace = workload["metadata"]["namespace"]
        if kind == "Deployment":
            problem = _rollout_problem(apps.read_namespaced_deployment_status(name, namespace))
        elif kind == "StatefulSet":
            problem = _rollout_problem(apps.read_namespaced_stateful_set_status(name, namespace))
        elif kind == "DaemonSet":
            daemons = apps.read_namespaced_daemon_set_status(name, namespace).status
            ready = daemons is not None and daemons.number_ready == daemons.desired_number_scheduled
            problem = None if ready else "daemon pods not all ready"
        else:
            job = batch.read_namespaced_job_status(name, namespace).status
            problem = None if job is not None and (job.succeeded or 0) >= 1 else "not complete"
        if problem is not None:
            pods = _pod_reasons(api, namespace, workload)
            waiting.append(f"{kind} {namespace}/{name}: {problem}" + (f" ({pods})" if pods else ""))
    return waiting


def _rollout_problem(workload: Any) -> str | None:
    spec, status, meta = workload.spec, workload.status, workload.metadata
    wanted = spec.replicas if spec.replicas is not None else 1
    if status is None or (status.observed_generation or 0) < (meta.generation or 0):
        return "rollout not observed yet"
    ready = status.ready_replicas or 0
    updated = status.updated_replicas or 0
    if updated < wanted or ready < wanted:
        return f"{ready}/{wanted} ready, {updated}/{wanted} updated"
    return None


def _pod_reasons(api: k8s.ApiClient, namespace: str, workload: dict[str, Any]) -> str:
    template = workload.get("spec", {}).get("template", {})
    labels = template.get("metadata", {}).get("labels") or {}
    if not labels:
        return ""
    selector = ",".join(f"{key}={value}" for key, value in labels.items())
    pods = k8s.CoreV1Api(api).list_namespaced_pod(namespace, label_selector=selector).items
    return "; ".join(f"{p.metadata.name if p.metadata else '?'}: {why_not_ready(p)}" for p in pods)
