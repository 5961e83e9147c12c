"""Gathering the real facts the checks judge, from this host and its Docker engine. Cheap by
design (a few seconds): nothing is pulled or built, no cluster is started; the one container
started is the node's own --privileged probe, which exits at once and is removed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import docker
from docker.errors import ImageNotFound

from homelab_acceptance.cluster.container_cluster import DEFAULT_NODE_PORTS
from homelab_acceptance.cluster.k3s import DEFAULT_IMAGE as K3S_IMAGE
from homelab_acceptance.cluster.node_port_block import declared_node_ports, node_port_block
from homelab_acceptance.cluster.providers import parse_node_ports, parse_port, parse_spec
from homelab_acceptance.doctor import cgroup_checks, disk_checks, kernel_checks
from homelab_acceptance.doctor.engine_checks import (
    EngineFacts,
    PrivilegeFacts,
    gather_engine,
    probe_privileged,
)
from homelab_acceptance.doctor.node_image_checks import (
    NodeImageFacts,
    gather_node_image,
    probe_image,
)
from homelab_acceptance.doctor.port_checks import PortFacts, gather_ports
from homelab_acceptance.doctor.stack_checks import StackFacts, gather_stack
from homelab_acceptance.doctor.tool_checks import ToolFacts, gather_tools, tools_needed
from homelab_acceptance.errors import ConfigurationError, StackSpecError
from homelab_acceptance.run_identity import workdirs_root
from homelab_acceptance.spec import load_stack

#: Providers whose node is a container on this host (k3d's too): cgroups, /dev/kmsg and
#: inotify limits are this host's.
NODE_ON_THIS_HOST = ("debian", "k3s", "k3d")
#: Providers whose node container the harness starts itself (image, --privileged, ports).
HARNESS_NODE = ("debian", "k3s")


@dataclass(frozen=True)
class HostFacts:
    mounts: str
    v2_controllers: str
    kmsg_is_char_device: bool
    inotify: dict[str, int | None]


@dataclass(frozen=True)
class Facts:
    #: The provider the run would use (`auto` resolved without pulling anything).
    provider: str
    cluster_spec: str
    engine: EngineFacts
    host: HostFacts | None
    node_image: NodeImageFacts | None
    privilege: PrivilegeFacts | None
    ports: PortFacts | None
    docker_free_bytes: int | None
    workdir: Path
    workdir_free_bytes: int | None
    stack: StackFacts | None
    tools_needed: dict[tuple[str, ...], list[str]]
    tools: ToolFacts


def _node_ports_for(
    stack_path: Path | None, given: tuple[int, int] | None
) -> tuple[tuple[int, int], str | None]:
    """The NodePort block a run publishes for the stack (as the plugin computes it), and why
    the stack's NodePorts cannot be had, if they cannot."""
    fallback = given or DEFAULT_NODE_PORTS
    try:
        stack = load_stack(stack_path) if stack_path is not None else None
    except StackSpecError:
        return fallback, None  # the stack finding says why
    try:
        return node_port_block(declared_node_ports(stack) if stack else {}, given), None
    except ConfigurationError as error:
        return fallback, str(error)


def gather_facts(stack_path: Path | None, cluster_spec: str) -> Facts:
    """ConfigurationError (one line) when `cluster_spec` is malformed."""
    engine, client = gather_engine()
    provider, options = _provider(cluster_spec, client)
    host = _host_facts() if provider in NODE_ON_THIS_HOST else None
    node_image = privilege = ports = None
    if provider in HARNESS_NODE:
        if client is not None:
            node_image = gather_node_image(client, provider, options.get("image", K3S_IMAGE))
        privilege = probe_privileged(client, probe_image(node_image) if node_image else None)
        api_port = parse_port(options["api_port"]) if "api_port" in options else None
        given = parse_node_ports(options["nodeports"]) if "nodeports" in options else None
        node_ports, error = _node_ports_for(stack_path, given)
        ports = gather_ports(api_port, node_ports, error)
    stack = gather_stack(stack_path) if stack_path is not None else None
    needed = tools_needed(stack.components if stack else ())
    if provider == "k3d":
        needed[("k3d",)] = ["the k3d:// cluster"]
    local_root = engine.root_dir if engine.where.startswith("unix://") else None
    workdir = workdirs_root()
    return Facts(
        provider=provider,
        cluster_spec=cluster_spec,
        engine=engine,
        host=host,
        node_image=node_image,
        privilege=privilege,
        ports=ports,
        docker_free_bytes=disk_checks.free_bytes_at(Path(local_root)) if local_root else None,
        workdir=workdir,
        workdir_free_bytes=disk_checks.free_bytes_at(workdir),
        stack=stack,
        tools_needed=needed,
        tools=gather_tools(needed),
    )


def _provider(cluster_spec: str, client: docker.DockerClient | None) -> tuple[str, dict[str, str]]:
    """The provider and URL options; `auto` as it would choose, minus its bounded pull: k3s://
    when the K3S image is already present."""
    if cluster_spec != "auto":
        parsed = parse_spec(cluster_spec)
        return parsed.scheme, parsed.options
    if client is not None:
        try:
            client.images.get(K3S_IMAGE)
        except ImageNotFound:
            return "debian", {}
        return "k3s", {}
    return "debian", {}


def _host_facts() -> HostFacts:
    return HostFacts(
        mounts=cgroup_checks.read_mounts(),
        v2_controllers=cgroup_checks.read_v2_controllers(),
        kmsg_is_char_device=kernel_checks.read_kmsg_is_char_device(),
        inotify=kernel_checks.read_inotify_limits(),
    )
