"""Node checks, run inside the node container with pytest-testinfra's docker backend: the
control-plane processes run, nothing listens beyond loopback that nobody expects, and the
node's data directories are on volumes. Only for providers whose node is a local container
(debian://, k3s://); what each expects is in homelab_acceptance.checks.node_layout."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import Any

import pytest
import testinfra
from kubernetes import client as k8s

from homelab_acceptance.checks.node_layout import (
    LAYOUTS,
    NodeLayout,
    volume_paths,
    workload_listeners,
)
from homelab_acceptance.checks.node_listeners import (
    PROC_NET_COMMAND,
    SOCKET_OWNERS_COMMAND,
    parse_listeners,
    parse_socket_owners,
    unexpected_listeners,
)
from homelab_acceptance.checks.node_processes import arguments_of, missing_processes
from homelab_acceptance.checks.node_volumes import data_dir, dirs_off_volumes
from homelab_acceptance.cluster import Cluster
from homelab_acceptance.cluster.node_container import NodeContainer
from homelab_acceptance.pytest_plugin.session_state import stack_key

pytestmark = pytest.mark.requirement(
    "node-hardened",
    "The node is hardened: the expected processes, nothing unexpected listening, data on volumes",
)


@pytest.fixture(scope="module")
def node(cluster: Cluster) -> NodeContainer:
    container = getattr(cluster, "node", None)
    if cluster.provider not in LAYOUTS or not isinstance(container, NodeContainer):
        pytest.skip(f"{cluster.provider}:// has no local node container to look inside")
    return container


@pytest.fixture(scope="module")
def layout(cluster: Cluster, node: NodeContainer) -> NodeLayout:
    return LAYOUTS[cluster.provider]


@pytest.fixture(scope="module")
def host(node: NodeContainer) -> Any:
    return testinfra.get_host(f"docker://{node.spec.name}")


@pytest.fixture
def processes(host: Any) -> list[str]:
    """The command line of every process in the node."""
    return [str(process.args) for process in host.process.filter()]


@pytest.fixture(scope="module")
def stack_in_place(request: pytest.FixtureRequest) -> None:
    """The declared stack, if any, provisioned first: its NodePorts, host-network pods and
    PersistentVolumes are part of what the node must expect."""
    if stack_key in request.config.stash:
        request.getfixturevalue("provisioned_stack")


def output_of(host: Any, command: Sequence[str]) -> str:
    return str(host.check_output(shlex.join(command)))


def test_the_control_plane_processes_run(
    layout: NodeLayout, processes: list[str], evidence: dict[str, Any]
) -> None:
    evidence["processes"] = {name: arguments_of(processes, name)[:1] for name in layout.processes}
    missing = missing_processes(processes, layout.processes)
    assert not missing, f"not running on the node: {', '.join(missing)}"


@pytest.mark.usefixtures("stack_in_place")
def test_only_the_expected_ports_listen_beyond_loopback(
    host: Any, kube_api: k8s.ApiClient, layout: NodeLayout, evidence: dict[str, Any]
) -> None:
    listeners = parse_listeners(output_of(host, PROC_NET_COMMAND))
    owners = parse_socket_owners(output_of(host, SOCKET_OWNERS_COMMAND))
    expected = [*layout.listeners, *workload_listeners(kube_api)]
    evidence["beyond_loopback"] = sorted(
        f"{listener} {owners.get(listener.inode, '?')}"
        for listener in listeners
        if not listener.on_loopback
    )
    evidence["expected"] = sorted({f"{e.port}: {e.why}" for e in expected})
    unexpected = unexpected_listeners(listeners, owners, expected)
    assert not unexpected, "; ".join(unexpected)


@pytest.mark.usefixtures("stack_in_place")
def test_the_data_dirs_are_on_volumes(
    host: Any,
    node: NodeContainer,
    kube_api: k8s.ApiClient,
    layout: NodeLayout,
    processes: list[str],
    evidence: dict[str, Any],
) -> None:
    def read_file(path: str) -> str:
        return str(host.file(path).content_string)

    dirs = {
        source.what: data_dir(source, arguments_of(processes, source.process), read_file)
        for source in layout.data_dirs
    }
    dirs.update(volume_paths(kube_api))
    mounts = node.client.api.inspect_container(node.spec.name)["Mounts"]
    problems, where = dirs_off_volumes(dirs, mounts)
    evidence["data_dirs"] = where
    assert not problems, "; ".join(problems)
