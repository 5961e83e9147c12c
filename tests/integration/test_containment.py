"""Containment on a real node: what the provisioners keep in the run's work dir (the cluster's
kubeconfig, OpenTofu's state and module copy, Ansible's home and temp dirs) is private to the
owner, and every port the node publishes answers on 127.0.0.1 only."""

from __future__ import annotations

import ipaddress
import socket
import stat
from contextlib import ExitStack
from pathlib import Path

import docker
import pytest
from kubernetes import client as k8s
from provisioner_checks import applied_then_destroyed

from homelab_acceptance.cluster import Cluster
from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.provision import provisioner_for
from homelab_acceptance.pytest_plugin.session_state import run_identity_key
from homelab_acceptance.run_identity import OWNER_FILE
from homelab_acceptance.spec import Component

COMPONENTS = Path(__file__).parents[2] / "fixtures" / "components"


def modes_not_private(root: Path) -> list[str]:
    """Every directory under `root` that is not 0700 and every file that is not 0600 (0700 for
    an executable), as 'path mode'. The owner file (host/pid/start time, no secret) is the
    reaper's, left out."""
    wrong = []
    for path in [root, *root.rglob("*")]:
        if path.is_symlink() or path == root / OWNER_FILE:
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        allowed = {0o700} if path.is_dir() else {0o600, 0o700}
        if mode not in allowed:
            wrong.append(f"{path.relative_to(root)} {mode:o}")
    return wrong


def test_the_work_dir_of_a_real_provisioning_is_private(
    request: pytest.FixtureRequest, cluster: Cluster, kube_api: k8s.ApiClient, busybox_image: str
) -> None:
    identity = request.config.stash[run_identity_key]
    tofu, ansible = COMPONENTS / "opentofu-web", COMPONENTS / "ansible-web" / "playbook.yaml"
    components = [
        Component(
            name="opentofu-web", provisioner="opentofu", source=tofu,
            namespace=f"hla-priv-tofu-{identity.run_id}", values=(tofu / "greeting.tfvars",),
        ),
        Component(
            name="ansible-web", provisioner="ansible", source=ansible,
            namespace=f"hla-priv-ans-{identity.run_id}",
        ),
    ]  # fmt: skip
    work = identity.workdir()
    with ExitStack() as applied:
        for component in components:
            provisioner = provisioner_for(component.provisioner)(cluster, component, identity)
            applied.enter_context(applied_then_destroyed(provisioner, kube_api))
        written = sorted(str(p.relative_to(work)) for p in work.rglob("*") if p.is_file())
        assert any(name.endswith("terraform.tfstate") for name in written), written
        assert (work / "ansible" / "ansible-web" / "home").is_dir()
        assert cluster.kubeconfig_path.is_relative_to(work)
        assert modes_not_private(work) == []
        assert (stat.S_IMODE(cluster.kubeconfig_path.stat().st_mode)) == 0o600


def test_every_port_the_node_publishes_is_bound_to_loopback_only(cluster: Cluster) -> None:
    client = connect_docker()
    node = client.containers.get(cluster.describe()["node_container"])
    bindings = [
        (port, binding["HostIp"], int(binding["HostPort"]))
        for port, published in (node.attrs["NetworkSettings"]["Ports"] or {}).items()
        for binding in published or []
    ]
    assert len(bindings) >= 33, bindings  # the API server and the 32 NodePorts
    assert {host_ip for _, host_ip, _ in bindings} == {"127.0.0.1"}, bindings
    assert {host_ip for published in node.attrs["HostConfig"]["PortBindings"].values()
            for host_ip in (b["HostIp"] for b in published)} == {"127.0.0.1"}  # fmt: skip
    # And what that means: the API answers on loopback, not on the host's address on the
    # Docker bridge, which every container on this engine can reach.
    api_port = next(host_port for port, _, host_port in bindings if port == "6443/tcp")
    bridge_ip = bridge_gateway(client)
    with socket.create_connection(("127.0.0.1", api_port), timeout=5):
        pass
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection((bridge_ip, api_port), timeout=5),
    ):
        pass


def bridge_gateway(client: docker.DockerClient) -> str:
    """The host's address on Docker's default bridge. Debian's dockerd 20.10 (the polyglot
    machines) leaves `Gateway` out of the bridge's IPAM config: it is then the subnet's first
    address, as dockerd assigns it to docker0."""
    config = client.networks.get("bridge").attrs["IPAM"]["Config"][0]
    if "Gateway" in config:
        return str(config["Gateway"])
    return str(next(ipaddress.ip_network(config["Subnet"]).hosts()))
