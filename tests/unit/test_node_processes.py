"""Control-plane processes recognised by their command line."""

from __future__ import annotations

from homelab_acceptance.checks.node_processes import arguments_of, missing_processes

PROCESSES = [
    "etcd --name homelab --data-dir /var/lib/homelab-node/etcd",
    "kube-controller-manager --kubeconfig=/etc/kubernetes/controller-manager.conf",
    "[kube-proxy] <defunct>",
    "/bin/k3s server --node-name=n",
]


def test_processes_are_recognised_by_command_line_and_defunct_ones_are_missing() -> None:
    expected = ["kube-controller-manager", "kube-proxy", "k3s server", "k3s agent", "etcd"]
    assert missing_processes(PROCESSES, expected) == ["kube-proxy", "k3s agent"]


def test_the_arguments_of_a_process_are_its_words() -> None:
    assert arguments_of(PROCESSES, "k3s server") == ["/bin/k3s", "server", "--node-name=n"]
    assert arguments_of(PROCESSES, "kube-proxy") == []
