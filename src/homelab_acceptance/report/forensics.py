"""A forensics bundle for a failed or errored check, gathered while the cluster is still up:
what a reviewer of a CI run opens afterwards to see why, without the cluster.

Under `<report-dir>/artifacts/<check>/`:
    README.txt         what is here, and the bounds
    evidence.json      what the check recorded (its queries and the last answers it saw)
    events.txt         the events of the namespaces involved, oldest first
    objects/NS/*.yaml  the full objects (status included) of pods and workloads not ready
    logs/NS/POD/C.log  current (and .previous.log) container logs, the last LOG_LINES lines
    node.txt           the node's conditions, capacity and taints
    node-*.log         the node's kubelet and container-runtime log tails, where the
                       provider has them (debian://: its log files; k3s://: the container's)
    images.txt         the images present on the node
    collection-errors.txt  what could not be gathered, and why (only if something could not)

Everything goes through the report's redactor, each file is cut at FILE_LIMIT_BYTES and the
bundle at BUNDLE_LIMIT_BYTES. Gathering never fails the run: what it cannot get is named in
collection-errors.txt."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client as k8s

from homelab_acceptance.cluster import Cluster
from homelab_acceptance.cluster.container_cluster import ContainerCluster
from homelab_acceptance.kube.client import api_client_for
from homelab_acceptance.report.redaction import Redactor
from homelab_acceptance.run_identity import LABEL

BUNDLE_LIMIT_BYTES = 2 * 1024 * 1024
FILE_LIMIT_BYTES = 256 * 1024
LOG_LINES = 300
#: Pods whose logs are kept, at most (those not ready first).
MAX_PODS_LOGGED = 20
#: Where a debian:// node writes its components' output.
NODE_LOG_DIR = "/var/log/homelab-node"
CUT = "\n… (cut: the bundle keeps at most {limit} bytes of this file)\n"


@dataclass
class Bundle:
    """Files written into one bundle directory, within the bounds."""

    directory: Path
    redactor: Redactor
    budget: int = BUNDLE_LIMIT_BYTES
    written: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def write(self, name: str, text: str) -> None:
        if self.budget <= 0:
            self.errors.append(f"{name}: left out, the bundle is at its {BUNDLE_LIMIT_BYTES} bytes")
            return
        data = self.redactor.redact_text(text).encode()
        limit = min(FILE_LIMIT_BYTES, self.budget)
        if len(data) > limit:
            data = data[:limit] + CUT.format(limit=limit).encode()
        path = self.directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.budget -= len(data)
        self.written.append(name)

    def gather(self, what: str, step: Callable[[], None]) -> None:
        """Run one gathering step; its failure is named, never raised."""
        try:
            step()
        except Exception as error:
            self.errors.append(
                f"{what}: {type(error).__name__}: {' '.join(str(error).split())[:300]}"
            )


#: A call of the bundle's that the API server does not answer in this time is a collection
#: error of the bundle, not a hung run (the failure being reported may be that server's).
CALL_TIMEOUT_S = 10.0


def collect_bundle(
    cluster: Cluster,
    namespaces: Iterable[str],
    evidence: dict[str, Any],
    directory: Path,
    redactor: Redactor,
) -> list[str]:
    """Gather the bundle into `directory`; the files written (relative names)."""
    bundle = Bundle(directory, redactor)
    bundle.write("evidence.json", json.dumps(evidence, indent=2, sort_keys=True, default=str))
    clients: list[k8s.ApiClient] = []
    bundle.gather(
        "the API client",
        lambda: clients.append(
            api_client_for(cluster.kubeconfig_path, retries=0, request_timeout_s=CALL_TIMEOUT_S)
        ),
    )
    involved = _from_the_api(bundle, clients[0], cluster, namespaces) if clients else []
    if isinstance(cluster, ContainerCluster):
        bundle.gather("node logs", lambda: _node_logs(bundle, cluster))
        bundle.gather("images", lambda: bundle.write("images.txt", _node_images(cluster)))
    if bundle.errors:
        bundle.write("collection-errors.txt", "\n".join(bundle.errors) + "\n")
    bundle.write("README.txt", _index(involved, bundle.written))
    return bundle.written


def _from_the_api(
    bundle: Bundle, api: k8s.ApiClient, cluster: Cluster, namespaces: Iterable[str]
) -> list[str]:
    """Events, unready objects, logs and the node's state; the namespaces looked at."""
    involved = set(namespaces)
    bundle.gather("run namespaces", lambda: involved.update(_run_namespaces(api, cluster)))
    ordered = sorted(involved)
    bundle.gather("events", lambda: bundle.write("events.txt", _events(api, ordered)))
    bundle.gather("objects and logs", lambda: _objects_and_logs(bundle, api, ordered))
    bundle.gather("node", lambda: bundle.write("node.txt", _node_state(api)))
    return ordered


def _run_namespaces(api: k8s.ApiClient, cluster: Cluster) -> set[str]:
    """The namespaces this run made for its own workloads (probe pods, limits checks)."""
    identity = getattr(cluster, "identity", None)
    if identity is None:
        return set()
    selector = f"{LABEL}={identity.run_id}"
    listed: list[Any] = k8s.CoreV1Api(api).list_namespace(label_selector=selector).items
    return {str(namespace.metadata.name) for namespace in listed}


def _events(api: k8s.ApiClient, namespaces: Sequence[str]) -> str:
    lines = []
    for namespace in namespaces:
        for event in k8s.CoreV1Api(api).list_namespaced_event(namespace).items:
            when = event.last_timestamp or event.event_time or event.first_timestamp
            target = event.involved_object
            lines.append(
                (
                    str(when),
                    f"{when} {namespace} {event.type} {event.reason} "
                    f"{target.kind}/{target.name} (x{event.count or 1}): "
                    f"{' '.join(str(event.message or '').split())}",
                )
            )
    return "\n".join(line for _, line in sorted(lines)) + "\n" if lines else "no events\n"


def _objects_and_logs(bundle: Bundle, api: k8s.ApiClient, namespaces: Sequence[str]) -> None:
    core, apps = k8s.CoreV1Api(api), k8s.AppsV1Api(api)
    pods: list[Any] = [pod for ns in namespaces for pod in core.list_namespaced_pod(ns).items]
    unready = [pod for pod in pods if not _pod_ready(pod)]
    for pod in unready:
        _write_object(bundle, api, pod, f"objects/{pod.metadata.namespace}/pod-{pod.metadata.name}")
    for namespace in namespaces:
        workloads: list[Any] = [
            *apps.list_namespaced_deployment(namespace).items,
            *apps.list_namespaced_stateful_set(namespace).items,
        ]
        for workload in workloads:
            wanted = workload.spec.replicas if workload.spec.replicas is not None else 1
            if (workload.status.ready_replicas or 0) < wanted:
                kind = type(workload).__name__.removeprefix("V1").lower()
                _write_object(
                    bundle, api, workload, f"objects/{namespace}/{kind}-{workload.metadata.name}"
                )
    ordered = unready + [pod for pod in pods if pod not in unready]
    for pod in ordered[:MAX_PODS_LOGGED]:
        _pod_logs(bundle, core, pod)


def _pod_ready(pod: Any) -> bool:
    statuses = (pod.status.container_statuses if pod.status else None) or []
    if pod.status is not None and pod.status.phase == "Succeeded":
        return True
    running = pod.status is not None and pod.status.phase == "Running"
    return running and all(s.ready and not s.restart_count for s in statuses)


def _write_object(bundle: Bundle, api: k8s.ApiClient, obj: Any, name: str) -> None:
    plain = api.sanitize_for_serialization(obj)  # type: ignore[no-untyped-call]
    plain.get("metadata", {}).pop("managedFields", None)
    bundle.write(f"{name}.yaml", yaml.safe_dump(plain, sort_keys=False))


def _pod_logs(bundle: Bundle, core: k8s.CoreV1Api, pod: Any) -> None:
    namespace, name = pod.metadata.namespace, pod.metadata.name
    for status in (pod.status.container_statuses if pod.status else None) or []:
        for previous in (False, True) if status.restart_count else (False,):
            what = f"logs/{namespace}/{name}/{status.name}{'.previous' if previous else ''}.log"
            read = _log_reader(bundle, core, pod, container=str(status.name), previous=previous)
            bundle.gather(what, read)


def _log_reader(
    bundle: Bundle, core: k8s.CoreV1Api, pod: Any, *, container: str, previous: bool
) -> Callable[[], None]:
    name = f"logs/{pod.metadata.namespace}/{pod.metadata.name}/{container}"
    name += ".previous.log" if previous else ".log"

    def read() -> None:
        text = core.read_namespaced_pod_log(
            pod.metadata.name, pod.metadata.namespace, container=container,
            tail_lines=LOG_LINES, previous=previous, limit_bytes=FILE_LIMIT_BYTES,
        )  # fmt: skip
        bundle.write(name, str(text))

    return read


def _node_state(api: k8s.ApiClient) -> str:
    lines = []
    nodes: list[Any] = k8s.CoreV1Api(api).list_node().items
    for node in nodes:
        lines.append(f"node {node.metadata.name}")
        for condition in node.status.conditions or []:
            lines.append(
                f"  {condition.type}={condition.status} {condition.reason or ''}: "
                f"{condition.message or ''} (since {condition.last_transition_time})"
            )
        lines.append(f"  allocatable: {dict(node.status.allocatable or {})}")
        lines.append(f"  capacity: {dict(node.status.capacity or {})}")
        taints = [f"{t.key}={t.value or ''}:{t.effect}" for t in node.spec.taints or []]
        lines.append(f"  taints: {taints or 'none'}")
    return "\n".join(lines) + "\n"


def _node_logs(bundle: Bundle, cluster: ContainerCluster) -> None:
    node = cluster.node
    found = False
    for component in ("kubelet", "containerd"):
        code, output = node.exec(["tail", "-n", str(LOG_LINES), f"{NODE_LOG_DIR}/{component}.log"])
        if code == 0:
            bundle.write(f"node-{component}.log", output)
            found = True
    if not found:  # K3S logs its kubelet and containerd to the container's own output
        bundle.write("node-container.log", node.logs(LOG_LINES))


def _node_images(cluster: ContainerCluster) -> str:
    code, output = cluster.node.exec(["ctr", "--namespace", "k8s.io", "images", "ls"])
    if code != 0:
        raise RuntimeError(f"ctr images ls: exit {code}: {output.strip()[:200]}")
    return output


def _index(namespaces: Sequence[str], written: Sequence[str]) -> str:
    return (
        "Forensics of a failed check, gathered when it failed (homelab-acceptance).\n"
        f"Namespaces involved: {', '.join(namespaces) or 'none'}.\n"
        f"Bounds: {FILE_LIMIT_BYTES} bytes a file, {BUNDLE_LIMIT_BYTES} bytes the bundle, "
        f"the last {LOG_LINES} lines of each log; secrets redacted as in the report.\n\n"
        + "\n".join(sorted(written))
        + "\n"
    )
