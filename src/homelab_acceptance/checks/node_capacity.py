"""What a cluster can hold: its schedulable nodes, each node's allocatable CPU and memory, and
how much of it the pods on the node have requested (what the scheduler counts)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kubernetes import client as k8s
from kubernetes.utils import parse_quantity

#: Pods in these phases hold no resources any more.
FINISHED_PHASES = frozenset({"Succeeded", "Failed"})


@dataclass(frozen=True)
class NodeCapacity:
    node: str
    allocatable_cpu: Decimal
    allocatable_memory: Decimal
    requested_cpu: Decimal
    requested_memory: Decimal
    pods: int

    def as_evidence(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "allocatable_cpu_cores": float(self.allocatable_cpu),
            "allocatable_memory_mib": round(float(self.allocatable_memory) / 2**20, 1),
            "requested_cpu_cores": float(self.requested_cpu),
            "requested_memory_mib": round(float(self.requested_memory) / 2**20, 1),
            "pods": self.pods,
        }


def schedulable_nodes(api: k8s.ApiClient) -> list[str]:
    """Nodes that take new pods: not cordoned, Ready, and without a NoSchedule/NoExecute
    taint."""
    names: list[str] = []
    for node in k8s.CoreV1Api(api).list_node().items:
        spec: Any = node.spec
        status: Any = node.status
        if spec is not None and spec.unschedulable:
            continue
        taints = (spec.taints if spec else None) or []
        blocking = [taint for taint in taints if taint.effect != "PreferNoSchedule"]
        conditions = (status.conditions if status else None) or []
        ready = any(c.type == "Ready" and c.status == "True" for c in conditions)
        if ready and not blocking:
            names.append(str(node.metadata.name if node.metadata else ""))
    return names


def node_capacity(api: k8s.ApiClient, node_name: str) -> NodeCapacity:
    core = k8s.CoreV1Api(api)
    node: Any = core.read_node(node_name)
    allocatable = node.status.allocatable or {}
    on_node = core.list_pod_for_all_namespaces(field_selector=f"spec.nodeName={node_name}")
    pods = [
        pod
        for pod in on_node.items
        if pod.status is None or pod.status.phase not in FINISHED_PHASES
    ]
    return NodeCapacity(
        node=node_name,
        allocatable_cpu=_quantity(allocatable.get("cpu", "0")),
        allocatable_memory=_quantity(allocatable.get("memory", "0")),
        requested_cpu=sum((_requested(pod, "cpu") for pod in pods), Decimal(0)),
        requested_memory=sum((_requested(pod, "memory") for pod in pods), Decimal(0)),
        pods=len(pods),
    )


def _requested(pod: Any, resource: str) -> Decimal:
    """What the scheduler counts for one pod: the larger of its containers' sum and its
    largest init container."""
    spec = pod.spec

    def request(container: Any) -> Decimal:
        requests = (container.resources.requests if container.resources else None) or {}
        return _quantity(requests[resource]) if resource in requests else Decimal(0)

    regular = sum((request(c) for c in spec.containers or []), Decimal(0))
    init = max((request(c) for c in spec.init_containers or []), default=Decimal(0))
    return max(regular, init)


def _quantity(text: str) -> Decimal:
    """A Kubernetes quantity ("250m", "1Gi") as a number of cores or bytes."""
    value: Decimal = parse_quantity(text)
    return value
