"""The node checks turn red on a real debian:// node when what they guard is broken: a
listener started in the node on 0.0.0.0, a control-plane process that is not there, a data
directory in the container's writable layer."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from typing import Any

import pytest
import testinfra

from homelab_acceptance.checks.node_layout import LAYOUTS
from homelab_acceptance.checks.node_listeners import (
    PROC_NET_COMMAND,
    SOCKET_OWNERS_COMMAND,
    parse_listeners,
    parse_socket_owners,
    unexpected_listeners,
)
from homelab_acceptance.checks.node_processes import missing_processes
from homelab_acceptance.checks.node_volumes import dirs_off_volumes
from homelab_acceptance.cluster import Cluster
from homelab_acceptance.cluster.container_cluster import ContainerCluster
from homelab_acceptance.waiting import Observation, wait_for

EXTRA_PORT = 4444


@pytest.fixture
def node_cluster(cluster: Cluster) -> ContainerCluster:
    assert isinstance(cluster, ContainerCluster)
    return cluster


@pytest.fixture
def host(node_cluster: ContainerCluster) -> Any:
    return testinfra.get_host(f"docker://{node_cluster.node.spec.name}")


@pytest.fixture
def extra_listener(host: Any) -> Iterator[None]:
    """kubectl proxy on every address (Go binds [::]) inside the node, which has no nc: a
    process nobody expects to listen; stopped by its pid afterwards."""
    pid = host.check_output(
        "KUBECONFIG=/etc/kubernetes/node-agents.conf nohup kubectl proxy --address=0.0.0.0 "
        f"--port={EXTRA_PORT} >/dev/null 2>&1 & echo $!"
    ).strip()
    try:
        yield
    finally:
        host.run(f"kill {shlex.quote(pid)}")


def unexpected(host: Any) -> list[str]:
    listeners = parse_listeners(host.check_output(shlex.join(PROC_NET_COMMAND)))
    owners = parse_socket_owners(host.check_output(shlex.join(SOCKET_OWNERS_COMMAND)))
    return unexpected_listeners(listeners, owners, LAYOUTS["debian"].listeners)


@pytest.mark.usefixtures("extra_listener")
def test_a_listener_started_in_the_node_is_flagged_with_its_owner(host: Any) -> None:
    flagged = f"[::]:{EXTRA_PORT} (kubectl) listens beyond loopback, and nothing expects it"

    def seen() -> Observation:
        found = unexpected(host)
        return Observation(flagged in found, "; ".join(found))

    wait_for(seen, awaiting=f"kubectl proxy listening on {EXTRA_PORT}", timeout_s=30)


def test_a_process_that_does_not_run_is_named(host: Any) -> None:
    running = [str(process.args) for process in host.process.filter()]
    expected = [*LAYOUTS["debian"].processes, "kube-nonexistent"]
    assert missing_processes(running, expected) == ["kube-nonexistent"]


def test_a_dir_in_the_writable_layer_is_flagged(node_cluster: ContainerCluster) -> None:
    node = node_cluster.node
    mounts = node.client.api.inspect_container(node.spec.name)["Mounts"]
    problems, where = dirs_off_volumes(
        {"state": f"{node.spec.state_dir}/etcd", "pki": "/etc/kubernetes/pki"}, mounts
    )
    assert where["state"] == f"{node.spec.state_dir}/etcd: volume {node.volume_name}"
    assert problems == [
        "pki (/etc/kubernetes/pki) is in the container's writable layer, not a volume"
    ]
