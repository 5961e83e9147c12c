"""What a healthy node of each container provider runs, may listen on beyond loopback, and
keeps on volumes. debian:// is read from the node's own boot script (homelab-node-init);
k3s:// from K3S's defaults, and is not verified here (its image cannot be had offline).

Listening beyond loopback is allowed only where something outside the node must connect:
the API (6443, published to the host), the kubelet (10250: the API server's logs, exec and
cAdvisor metrics through the node proxy), cluster DNS on the node's address (53: the
kube-dns Service points there), and what workloads declare (Services' NodePorts, ports of
host-network pods). Every other component (etcd, the controller manager's and scheduler's
secure ports, kube-proxy's and the kubelet's health and metrics) binds to 127.0.0.1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubernetes import client as k8s

from homelab_acceptance.checks.node_listeners import ExpectedListener
from homelab_acceptance.checks.node_volumes import DataDirSource


@dataclass(frozen=True)
class NodeLayout:
    """One provider's expectations of its node."""

    processes: tuple[str, ...]
    listeners: tuple[ExpectedListener, ...]
    data_dirs: tuple[DataDirSource, ...]


_API = "the Kubernetes API, published to the host"
_KUBELET = "the kubelet API, reached by the API server for logs, exec and metrics"

LAYOUTS = {
    "debian": NodeLayout(
        processes=(
            "containerd",
            "etcd",
            "kube-apiserver",
            "kube-controller-manager",
            "kube-scheduler",
            "kubelet",
            "kube-proxy",
        ),
        listeners=(
            ExpectedListener(6443, "kube-apiserver", _API),
            ExpectedListener(10250, "kubelet", _KUBELET),
            ExpectedListener(
                53, "dnsmasq", "the node's resolver for pods (CoreDNS forwards other names to it)"
            ),
        ),
        data_dirs=(
            DataDirSource("etcd data", "etcd", "--data-dir", "/var/lib/etcd"),
            DataDirSource("kubelet root", "kubelet", "--root-dir", "/var/lib/kubelet"),
            DataDirSource(
                "containerd root", "containerd", "--config", "/var/lib/containerd", "root"
            ),
        ),
    ),
    "k3s": NodeLayout(
        processes=("k3s server", "containerd"),
        # K3S runs the API server and kubelet inside its own process: any owner will do.
        listeners=(ExpectedListener(6443, None, _API), ExpectedListener(10250, None, _KUBELET)),
        data_dirs=(DataDirSource("K3S data", "k3s server", "--data-dir", "/var/lib/rancher/k3s"),),
    ),
}


def workload_listeners(api: k8s.ApiClient) -> list[ExpectedListener]:
    """The ports workloads ask the node to open: every Service's NodePorts (held by
    kube-proxy) and the container ports of host-network pods."""
    core = k8s.CoreV1Api(api)
    expected = [
        ExpectedListener(port.node_port, None, f"NodePort of {_name(service)}")
        for service in core.list_service_for_all_namespaces().items
        for port in (service.spec.ports if service.spec else None) or []
        if port.node_port
    ]
    expected.extend(
        ExpectedListener(port.container_port, None, f"host-network pod {_name(pod)}")
        for pod in core.list_pod_for_all_namespaces().items
        if pod.spec and pod.spec.host_network
        for container in pod.spec.containers
        for port in container.ports or []
    )
    return expected


def volume_paths(api: k8s.ApiClient) -> dict[str, str]:
    """Where each PersistentVolume keeps its data on the node (hostPath or local volumes)."""
    paths = {}
    for volume in k8s.CoreV1Api(api).list_persistent_volume().items:
        spec = volume.spec
        source = (spec.host_path or spec.local) if spec else None
        if source is not None:
            paths[f"PersistentVolume {_name(volume)}"] = str(source.path)
    return paths


def _name(obj: Any) -> str:
    meta = obj.metadata
    return f"{meta.namespace}/{meta.name}" if meta.namespace else str(meta.name)
