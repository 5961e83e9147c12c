"""Data directories read from components' command lines and config, and whether a Docker
volume holds them."""

from __future__ import annotations

from homelab_acceptance.checks.node_processes import arguments_of
from homelab_acceptance.checks.node_volumes import DataDirSource, data_dir, dirs_off_volumes

PROCESSES = [
    "containerd --config /etc/homelab-node/containerd.toml",
    "etcd --name homelab --data-dir /var/lib/homelab-node/etcd --listen-client-urls x",
    "kube-controller-manager --kubeconfig=/etc/kubernetes/controller-manager.conf",
    "kubelet --config=/etc/homelab-node/kubelet.yaml --root-dir=/var/lib/homelab-node/kubelet",
    "/bin/k3s server --node-name=n",
]
MOUNTS = [
    {"Type": "bind", "Destination": "/sys/fs/cgroup"},
    {"Type": "volume", "Name": "node-state", "Destination": "/var/lib/homelab-node"},
    {"Type": "bind", "Destination": "/var/lib/homelab-node/imports"},
]


def read_config(path: str) -> str:
    assert path == "/etc/homelab-node/containerd.toml"
    return 'version = 2\nroot = "/var/lib/homelab-node/containerd"\n'


def test_data_dirs_come_from_flags_config_files_or_defaults() -> None:
    def of(source: DataDirSource) -> str:
        return data_dir(source, arguments_of(PROCESSES, source.process), read_config)

    assert of(DataDirSource("etcd", "etcd", "--data-dir", "/x")) == "/var/lib/homelab-node/etcd"
    assert of(DataDirSource("k", "kubelet", "--root-dir", "/x")) == "/var/lib/homelab-node/kubelet"
    assert of(DataDirSource("c", "containerd", "--config", "/x", "root")) == (
        "/var/lib/homelab-node/containerd"
    )
    assert of(DataDirSource("k3s", "k3s server", "--data-dir", "/var/lib/rancher/k3s")) == (
        "/var/lib/rancher/k3s"
    )


def test_dirs_on_a_volume_pass_and_others_are_named_with_what_holds_them() -> None:
    problems, where = dirs_off_volumes(
        {
            "etcd data": "/var/lib/homelab-node/etcd",
            "pki": "/etc/kubernetes/pki",
            "imports": "/var/lib/homelab-node/imports/a",
            "look-alike": "/var/lib/homelab-node-other",
        },
        MOUNTS,
    )
    assert where["etcd data"] == "/var/lib/homelab-node/etcd: volume node-state"
    assert problems == [
        "pki (/etc/kubernetes/pki) is in the container's writable layer, not a volume",
        "imports (/var/lib/homelab-node/imports/a) is on a bind mount of "
        "/var/lib/homelab-node/imports, not a volume",
        "look-alike (/var/lib/homelab-node-other) is in the container's writable layer, "
        "not a volume",
    ]
