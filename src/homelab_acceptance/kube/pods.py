"""Running a pod and commands in it, with failures that say why a pod is not running
(its containers' waiting reasons: ImagePullBackOff, CrashLoopBackOff, …)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kubernetes import client as k8s
from kubernetes.stream import stream

from homelab_acceptance.errors import WaitTimeout
from homelab_acceptance.waiting import Observation, wait_for


def sleeping_pod(name: str, image: str, pull_policy: str, labels: dict[str, str]) -> k8s.V1Pod:
    """A pod whose one container only sleeps: something to exec checks in, or to watch."""
    return k8s.V1Pod(
        metadata=k8s.V1ObjectMeta(name=name, labels=labels),
        spec=k8s.V1PodSpec(
            termination_grace_period_seconds=0,
            containers=[
                k8s.V1Container(
                    name="main", image=image, image_pull_policy=pull_policy,
                    command=["sleep", "86400"],
                )
            ],
        ),
    )  # fmt: skip


def pod_running(api: k8s.ApiClient, namespace: str, name: str) -> Observation:
    """Satisfied when the pod is Running with every container ready; else says what blocks it."""
    pod = k8s.CoreV1Api(api).read_namespaced_pod(name, namespace)
    status = pod.status
    phase = status.phase if status else None
    statuses = (status.container_statuses if status else None) or []
    ready = bool(statuses) and all(s.ready for s in statuses)
    return Observation(
        phase == "Running" and ready, f"pod {namespace}/{name}: {why_not_ready(pod)}"
    )


def why_not_ready(pod: Any) -> str:
    """The phase, plus each container's waiting or terminated reason, plus the pod's own
    conditions' messages (e.g. the scheduler's "0/1 nodes are available: …")."""
    status = pod.status
    if status is None:
        return "no status yet"
    parts = [f"phase {status.phase}"]
    for container in status.container_statuses or []:
        state = container.state
        if state and state.waiting:
            waiting = (
                f"{container.name} waiting: {state.waiting.reason} {state.waiting.message or ''}"
            )
            ended = last_termination(pod, container)
            if ended is not None:
                # CrashLoopBackOff says only that it crashed: how it last ended says why.
                restarts = container.restart_count or 0
                waiting = f"{waiting.strip()} (restarts {restarts}, last ended: {ended})"
            parts.append(waiting)
        elif state and state.terminated:
            ended = state.terminated
            how = f"{ended.reason} (exit {ended.exit_code})"
            if ended.reason == "OOMKilled":
                how += f", memory limit {_memory_limit(pod, str(container.name)) or 'none'}"
            parts.append(f"{container.name} terminated: {how}")
        elif not container.ready:
            parts.append(f"{container.name} running, not ready")
    for condition in status.conditions or []:
        if condition.status != "True" and condition.message:
            parts.append(f"{condition.type}: {condition.message}")
    return "; ".join(part.strip() for part in parts)


def last_termination(pod: Any, container_status: Any) -> str | None:
    """How the container last ended, from its status: "OOMKilled (memory limit 16Mi)" or
    "Error with exit code 3"; None when it has not ended before."""
    last = container_status.last_state
    ended = last.terminated if last else None
    if ended is None:
        return None
    reason = str(ended.reason or "terminated")
    if reason == "OOMKilled":
        limit = _memory_limit(pod, str(container_status.name))
        return f"OOMKilled (memory limit {limit})" if limit else "OOMKilled (no memory limit)"
    return f"{reason} with exit code {ended.exit_code}"


def _memory_limit(pod: Any, container: str) -> str | None:
    spec = pod.spec
    for declared in (spec.containers if spec else None) or []:
        if declared.name == container and declared.resources and declared.resources.limits:
            return str(declared.resources.limits.get("memory") or "") or None
    return None


def last_probe_failure(api: k8s.ApiClient, pod: Any) -> str | None:
    """The newest "… probe failed: …" event of the pod (reason Unhealthy), if any: why a
    running container is not ready, which the pod's status does not say."""
    meta = pod.metadata
    events = (
        k8s.CoreV1Api(api)
        .list_namespaced_event(
            meta.namespace, field_selector=f"involvedObject.name={meta.name},reason=Unhealthy"
        )
        .items
    )
    if not events:
        return None
    newest = max(events, key=lambda e: str(e.last_timestamp or e.event_time or e.first_timestamp))
    return " ".join(str(newest.message or "").split())[:200] or None


def wait_pod_running(api: k8s.ApiClient, namespace: str, name: str, timeout_s: float = 90) -> None:
    wait_for(
        lambda: pod_running(api, namespace, name),
        awaiting=f"pod {namespace}/{name} Running and ready",
        timeout_s=timeout_s,
    )


def exec_in_pod(
    api: k8s.ApiClient, namespace: str, pod: str, command: Sequence[str], timeout_s: float = 30
) -> tuple[int, str]:
    """Run `command` in the pod's first container (through the API server and kubelet):
    its exit code and its output."""
    core = k8s.CoreV1Api(api)
    client = stream(
        core.connect_get_namespaced_pod_exec,
        pod,
        namespace,
        command=list(command),
        stderr=True,
        stdin=False,
        stdout=True,
        tty=False,
        _preload_content=False,
    )
    client.run_forever(timeout=timeout_s)
    if client.is_open():
        client.close()
        raise WaitTimeout(
            f"command {list(command)} in pod {namespace}/{pod} still running after {timeout_s:.0f}s"
        )
    # The exit code lives on the error channel, which read_all() would discard: read it first.
    code = client.returncode
    output = str(client.read_all())
    client.close()
    return (int(code) if code is not None else -1), output
