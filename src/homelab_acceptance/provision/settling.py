"""Whether workloads have settled: rollouts complete, jobs done. What has not settled is named
with the reason its pods give (ImagePullBackOff, CrashLoopBackOff, Unschedulable, …). Once
settled, the component's Services must reach its pods (provision/service_wiring.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kubernetes import client as k8s

from homelab_acceptance.errors import ProvisionError, WaitHopeless
from homelab_acceptance.kube.client import api_client_for
from homelab_acceptance.kube.pods import last_probe_failure, why_not_ready
from homelab_acceptance.provision.service_wiring import service_wiring_problems
from homelab_acceptance.spec import Component
from homelab_acceptance.waiting import Observation, wait_for

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job")


#: Waiting reasons no wait can end: every image of the stack was imported before it was
#: applied, so one not on the node now never will be.
HOPELESS_WAITING = frozenset({"ErrImageNeverPull", "InvalidImageName"})
#: A container crash-looping this often has not been waiting for something to come up: the
#: components before it have settled, and it has crashed for about a minute (kubelet's
#: back-off: 10 s, 20 s, 40 s).
HOPELESS_RESTARTS = 3
#: How long a ready workload's containers must have been running to count as settled.
MIN_RUNNING_S = 3.0
#: The same for a container that has already ended once. The kubelet reports a death a few
#: seconds late on a loaded node: a container OOM-killed at every start was seen "running"
#: for over 3 s after its first restart (CI, stop 21) and passed for settled. One that has
#: crashed before must show it stays up for longer than that lag.
MIN_RUNNING_AFTER_RESTART_S = 15.0


@dataclass(frozen=True)
class Unsettled:
    """A workload that has not settled: one line saying why, and whether waiting longer
    cannot help (`hopeless`: a pod of it is in a state no wait ends)."""

    line: str
    hopeless: bool = False


def unsettled_workloads(api: k8s.ApiClient, workloads: list[dict[str, Any]]) -> list[Unsettled]:
    """One per workload that has not settled yet; empty when all have."""
    apps = k8s.AppsV1Api(api)
    batch = k8s.BatchV1Api(api)
    waiting: list[Unsettled] = []
    for workload in workloads:
        kind = workload["kind"]
        name = workload["metadata"]["name"]
        namespace = workload["metadata"]["namespace"]
        if kind == "Deployment":
            problem = _rollout_problem(apps.read_namespaced_deployment_status(name, namespace))
        elif kind == "StatefulSet":
            problem = _rollout_problem(apps.read_namespaced_stateful_set_status(name, namespace))
        elif kind == "DaemonSet":
            daemon_set = apps.read_namespaced_daemon_set_status(name, namespace)
            problem = _daemon_rollout_problem(daemon_set)
        else:
            job = batch.read_namespaced_job_status(name, namespace).status
            problem = None if job is not None and (job.succeeded or 0) >= 1 else "not complete"
        pods = None
        if problem is None and kind != "Job":
            pods = _pods_of(api, namespace, workload)
            problem = _just_started(pods)
        if problem is not None:
            pods = _pods_of(api, namespace, workload) if pods is None else pods
            reasons, hopeless = _pod_reasons(api, pods)
            line = f"{kind} {namespace}/{name}: {problem}" + (f" ({reasons})" if reasons else "")
            waiting.append(Unsettled(line, hopeless))
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


def _daemon_rollout_problem(daemon_set: Any) -> str | None:
    """Like _rollout_problem: a changed DaemonSet has settled only once its controller has seen
    the change and every scheduled pod is of the new template and ready (right after an
    apply its status still counts the old pods, which are about to go)."""
    status, meta = daemon_set.status, daemon_set.metadata
    if status is None or (status.observed_generation or 0) < (meta.generation or 0):
        return "rollout not observed yet"
    wanted = status.desired_number_scheduled or 0
    ready, updated = status.number_ready or 0, status.updated_number_scheduled or 0
    if ready < wanted or updated < wanted or (status.number_unavailable or 0) > 0:
        return f"{ready}/{wanted} ready, {updated}/{wanted} updated"
    return None


def _just_started(pods: list[Any]) -> str | None:
    """A ready workload whose container started less than MIN_RUNNING_S ago has not settled:
    without a readiness probe a container is ready the moment it starts, and one OOM-killed
    or crashing at start would pass for settled (what Deployments' minReadySeconds is for).
    A container that has restarted must have run for MIN_RUNNING_AFTER_RESTART_S."""
    now = datetime.now(UTC)
    for pod in pods:
        for container in (pod.status.container_statuses if pod.status else None) or []:
            running = container.state.running if container.state else None
            if running is None or running.started_at is None:
                continue
            age = (now - running.started_at).total_seconds()
            restarts = container.restart_count or 0
            least = MIN_RUNNING_AFTER_RESTART_S if restarts else MIN_RUNNING_S
            # A node clock ahead of ours (a remote cluster) shows a start in the future: the
            # age cannot be told, and waiting would not tell it.
            if -MIN_RUNNING_S < age < least:
                since = f", after {restarts} restart(s)" if restarts else ""
                return (
                    f"container {container.name} of pod {pod.metadata.name} just started"
                    f" ({age:.0f}s ago{since})"
                )
    return None


def _pods_of(api: k8s.ApiClient, namespace: str, workload: dict[str, Any]) -> list[Any]:
    template = workload.get("spec", {}).get("template", {})
    labels = template.get("metadata", {}).get("labels") or {}
    if not labels:
        return []
    selector = ",".join(f"{key}={value}" for key, value in labels.items())
    return list(k8s.CoreV1Api(api).list_namespaced_pod(namespace, label_selector=selector).items)


def _pod_reasons(api: k8s.ApiClient, pods: list[Any]) -> tuple[str, bool]:
    """Why the workload's pods are not ready, and whether one is in a state no wait ends."""
    reasons = []
    hopeless = False
    for pod in pods:
        name = pod.metadata.name if pod.metadata else "?"
        reason = why_not_ready(pod)
        failure = last_probe_failure(api, pod) if "running, not ready" in reason else None
        # A failed probe says why better than the conditions that follow from it.
        line = f"{name}: running, not ready: {failure}" if failure else f"{name}: {reason}"
        reasons.append(line)
        hopeless = hopeless or _cannot_recover(pod)
    return "; ".join(reasons), hopeless


def _cannot_recover(pod: Any) -> bool:
    if pod.metadata is not None and pod.metadata.deletion_timestamp is not None:
        return False  # an old pod of a rollout, on its way out
    for container in (pod.status.container_statuses if pod.status else None) or []:
        waiting = container.state.waiting if container.state else None
        if waiting is None:
            continue
        if waiting.reason in HOPELESS_WAITING:
            return True
        if waiting.reason == "CrashLoopBackOff" and (container.restart_count or 0) >= (
            HOPELESS_RESTARTS
        ):
            return True
    return False


def workloads_in_namespace(api: k8s.ApiClient, namespace: str) -> list[dict[str, Any]]:
    """The namespace's Deployments, StatefulSets, DaemonSets and Jobs, in the shape
    `unsettled_workloads` reads (kind, metadata.name/namespace, spec.template labels)."""
    apps = k8s.AppsV1Api(api)
    listed: list[tuple[str, Any]] = [
        ("Deployment", apps.list_namespaced_deployment(namespace).items),
        ("StatefulSet", apps.list_namespaced_stateful_set(namespace).items),
        ("DaemonSet", apps.list_namespaced_daemon_set(namespace).items),
        ("Job", k8s.BatchV1Api(api).list_namespaced_job(namespace).items),
    ]
    workloads = []
    for kind, items in listed:
        for item in items:
            template = item.spec.template if item.spec else None
            labels = (template.metadata.labels if template and template.metadata else None) or {}
            workloads.append({
                "kind": kind,
                "metadata": {"name": item.metadata.name, "namespace": namespace},
                "spec": {"template": {"metadata": {"labels": labels}}},
            })  # fmt: skip
    return workloads


def wait_namespace_settled(kubeconfig: Path, component: Component) -> None:
    """Wait until every workload in the component's namespace has settled; for provisioners
    whose tool does not tell which objects it made (helm, ansible, opentofu). A namespace with
    no workload at all is an error: the component's source made nothing to wait for there."""
    api = api_client_for(kubeconfig)
    workloads = workloads_in_namespace(api, component.namespace)
    if not workloads:
        raise ProvisionError(
            f"component {component.name}: no Deployment, StatefulSet, DaemonSet or Job in "
            f"namespace {component.namespace} to wait for (is `namespace` right?)"
        )

    wait_workloads_settled(api, workloads, component)


def wait_workloads_settled(
    api: k8s.ApiClient, workloads: list[dict[str, Any]], component: Component
) -> None:
    """Wait until `workloads` have settled, within the component's settle deadline."""

    def look() -> Observation:
        waiting = unsettled_workloads(api, workloads)
        hopeless = next((w for w in waiting if w.hopeless), None)
        if hopeless is not None:
            return Observation(False, hopeless.line, hopeless=True)
        return Observation(not waiting, "; ".join(w.line for w in waiting) or "all settled")

    # wait_for's 0.2 s poll: with 0.5 s, settling was noticed up to 0.51 s late (bench/
    # readiness.py; target 0.5 s). A look costs one status read per workload, plus a pod list
    # (and the events of pods failing a probe) only for workloads not settled yet.
    try:
        wait_for(
            look,
            awaiting=f"component {component.name} to settle",
            timeout_s=component.settle_timeout_s,
        )
    except WaitHopeless as hopeless:
        # Said at once: waiting out the settle deadline would only delay the same answer.
        raise ProvisionError(
            f"component {component.name} cannot settle (gave up after "
            f"{hopeless.waited_s:.0f}s of {component.settle_timeout_s:.0f}s): {hopeless.seen}"
        ) from None
    namespaces = {str(w["metadata"]["namespace"]) for w in workloads} | {component.namespace}
    problems = [p for ns in sorted(namespaces) for p in service_wiring_problems(api, ns)]
    if problems:
        raise ProvisionError(f"component {component.name}: " + "; ".join(problems))
