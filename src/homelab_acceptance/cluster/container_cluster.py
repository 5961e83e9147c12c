"""The lifecycle every node-in-a-container provider shares (debian:// and k3s://): ports
chosen free at `up()` and kept across restarts, the kubeconfig written for the host, readiness
awaited, the container, volume and network removed at `down()`."""

from __future__ import annotations

import logging
import shutil
import time
from abc import abstractmethod
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docker
from docker.errors import NotFound
from kubernetes import client as k8s

from homelab_acceptance.cluster.contract import Cluster
from homelab_acceptance.cluster.host_ports import LOOPBACK, free_port, free_port_block
from homelab_acceptance.cluster.kept import PROVIDER_LABEL
from homelab_acceptance.cluster.kubeconfig import point_at_host_port, write_private
from homelab_acceptance.cluster.node_container import (
    CAPABILITIES,
    PRIVILEGED,
    NodeContainer,
    NodeContainerSpec,
)
from homelab_acceptance.cluster.readiness import LOOK_TIMEOUT_S, wait_until_ready
from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.errors import ClusterError, PortTakenError, WaitTimeout
from homelab_acceptance.kube.client import api_client_for
from homelab_acceptance.run_identity import RunIdentity
from homelab_acceptance.waiting import Observation, wait_for

log = logging.getLogger(__name__)

API_PORT = 6443
# Each published port costs the engine a proxy process, set up and torn down at every start
# and stop: 32 keep a restart quick (100 added about 5 s to each).
DEFAULT_NODE_PORTS = (30000, 32)
IMPORTER = ("ctr", "--namespace", "k8s.io", "images", "import", "-")


class ContainerCluster(Cluster):
    """A single-node cluster whose node is one Docker container. Subclasses say which image
    runs and how (`_prepare_image`, `_node_spec`); the lifecycle is shared."""

    #: Where the node writes its admin kubeconfig.
    node_kubeconfig = ""

    def __init__(
        self,
        identity: RunIdentity | None = None,
        *,
        api_port: int | None = None,
        node_ports: tuple[int, int] = DEFAULT_NODE_PORTS,
        keep: bool = False,
        ready_timeout_s: float = 120.0,
        progress: Callable[[str], None] = print,
    ) -> None:
        self.identity = identity or RunIdentity.new()
        self.requested_api_port = api_port
        self.node_ports = node_ports
        self.keep = keep
        self.ready_timeout_s = ready_timeout_s
        self.progress = progress
        #: Where the lines go that only show the run is alive (the node starting, each image
        #: import as it goes): `progress` unless set (the pytest plugin silences them in -q).
        self.chatter = progress
        self.name = f"homelab-acceptance-{self.identity.run_id}"
        self._node_name = f"homelab-{self.identity.run_id}"
        self._docker: docker.DockerClient | None = None
        self._node: NodeContainer | None = None
        self._workdir: Path | None = None
        self._api_port = 0
        self._node_port_host_start = 0
        self._version = ""
        self._image = ""

    # -- lifecycle ---------------------------------------------------------------------------

    def up(self) -> None:
        self._docker = connect_docker()
        self._image = self._prepare_image(self._docker)
        # What follows is silent until the node is Ready (its waits' heartbeats aside).
        self.chatter(
            f"cluster: starting node container {self.name} from {self._image}, then waiting "
            f"for its API server and node {self._node_name} Ready"
        )
        started = datetime.now(UTC).replace(microsecond=0)
        self._node = self._start_node_container()
        self._workdir = self.identity.workdir()
        self._write_kubeconfig()
        self._await_ready(started, "node start")
        version = k8s.VersionApi(self._api()).get_code()
        self._version = str(version.git_version)
        self.progress(
            f"cluster: {self.provider}:// node {self._node_name} Ready, "
            f"Kubernetes {self._version}, API on {LOOPBACK}:{self._api_port}, "
            f"container {self._node.security_mode}"
        )

    def _start_node_container(self) -> NodeContainer:
        """Start the node on free host ports. Ports the harness chose itself may be taken
        between the check and the start (another run starting at the same moment): then it
        chooses again, twice at most; a port the user pinned is never changed."""
        assert self._docker is not None
        first, count = self.node_ports
        preferred: int | None = first
        for attempt in range(3):
            self._api_port = self.requested_api_port or free_port()
            self._node_port_host_start = free_port_block(count, preferred_start=preferred)
            node = NodeContainer(self._docker, self._node_spec(self._published()))
            self._node = node
            try:
                node.start()
                return node
            except PortTakenError:
                node.remove()
                if self.requested_api_port is not None or attempt == 2:
                    raise
                preferred = None  # not the same block again: search above 40000
        raise AssertionError("unreachable")

    def attach(self) -> None:
        """Use the kept node container of this identity's run instead of creating one: start
        it if stopped, take its host ports from the container, rebuild the kubeconfig and wait
        until Ready. The container stays kept (`keep` is forced on)."""
        self.keep = True
        self._docker = connect_docker()
        try:
            container = self._docker.containers.get(self.name)
        except NotFound:
            raise ClusterError(f"kept cluster {self.name}: its node container is gone") from None
        attrs: dict[str, Any] = container.attrs
        self._image = str(attrs["Config"]["Image"])
        self._take_published_ports(attrs["HostConfig"].get("PortBindings") or {})
        node = NodeContainer(self._docker, self._node_spec(self._published()))
        node.security_mode = PRIVILEGED if attrs["HostConfig"].get("Privileged") else CAPABILITIES
        self._node = node
        self._workdir = self.identity.workdir()
        if container.status == "running":
            since = _parse_docker_time(str(attrs["State"]["StartedAt"]))
        else:
            self.progress(f"cluster: starting the kept node container {self.name}")
            since = datetime.now(UTC).replace(microsecond=0)
            container.start()
        self._write_kubeconfig()
        self._await_ready(since, "kept cluster")
        self._version = str(k8s.VersionApi(self._api()).get_code().git_version)
        self.progress(
            f"cluster: reusing kept {self.provider}:// cluster {self.name} (node "
            f"{self._node_name} Ready, Kubernetes {self._version}, API on "
            f"{LOOPBACK}:{self._api_port})"
        )

    def _take_published_ports(self, bindings: dict[str, Any]) -> None:
        """Host ports as the kept container publishes them ("6443/tcp" -> [{HostPort}])."""
        published = {
            int(inner.split("/")[0]): int(outer[0]["HostPort"])
            for inner, outer in bindings.items()
            if outer
        }
        if API_PORT not in published:
            raise ClusterError(f"kept cluster {self.name}: its container publishes no API port")
        self._api_port = published.pop(API_PORT)
        node_ports = sorted(port for port in published if 30000 <= port <= 32767)
        if node_ports:
            self.node_ports = (node_ports[0], len(node_ports))
            self._node_port_host_start = published[node_ports[0]]
        self._adopt_extra_published(
            {inner: outer for inner, outer in published.items() if inner not in node_ports}
        )

    def _published(self) -> dict[int, int]:
        first, count = self.node_ports
        published = {API_PORT: self._api_port}
        published.update({first + i: self._node_port_host_start + i for i in range(count)})
        published.update(self._extra_published())
        return published

    def restart_node(self) -> None:
        node = self._require_node()
        since = datetime.now(UTC).replace(microsecond=0)
        node.restart()
        self._await_ready(since, "node restart")

    def down(self) -> None:
        if self._node is not None and not self.keep:
            self._node.remove()
        if self._workdir is not None and not self.keep:
            shutil.rmtree(self._workdir, ignore_errors=True)

    def import_images(self, images: Sequence[str]) -> None:
        if images:
            self._require_node().import_images(images, IMPORTER, self.chatter)

    # -- facts -------------------------------------------------------------------------------

    @property
    def kubeconfig_path(self) -> Path:
        if self._workdir is None:
            raise ClusterError("the cluster is not up: no kubeconfig yet")
        return self._workdir / "kubeconfig"

    @property
    def kubernetes_version(self) -> str:
        return self._version

    @property
    def node_name(self) -> str:
        return self._node_name

    @property
    def node(self) -> NodeContainer:
        return self._require_node()

    def node_port_address(self, node_port: int) -> tuple[str, int]:
        first, count = self.node_ports
        if not first <= node_port < first + count:
            raise ClusterError(
                f"NodePort {node_port} is not published to the host: {self.provider}:// publishes "
                f"{first}-{first + count - 1} (URL option nodeports=FIRST-LAST)"
            )
        return LOOPBACK, self._node_port_host_start + node_port - first

    def describe(self) -> dict[str, str]:
        return {
            "provider": f"{self.provider}://",
            "kubernetes_version": self._version,
            "node_image": self._image,
            "node_container": self.name,
            "security_mode": self._node.security_mode if self._node else "not started",
            "api": f"https://{LOOPBACK}:{self._api_port}",
        }

    # -- what a provider says ----------------------------------------------------------------

    @abstractmethod
    def _prepare_image(self, client: docker.DockerClient) -> str:
        """The node image's reference, made present locally (built, found or pulled)."""

    @abstractmethod
    def _node_spec(self, published: dict[int, int]) -> NodeContainerSpec:
        """How the node container runs, given the ports it publishes."""

    def _spec(self, published: dict[int, int], **specifics: Any) -> NodeContainerSpec:
        """The parts of a node spec every provider shares, plus its own."""
        return NodeContainerSpec(
            image=self._image,
            name=self.name,
            hostname=self._node_name,
            labels={**self.identity.labels(keep=self.keep), PROVIDER_LABEL: self.provider},
            published=published,
            **specifics,
        )

    def _extra_published(self) -> dict[int, int]:
        """Container ports to publish besides the API and the NodePorts (e.g. ingress)."""
        return {}

    def _adopt_extra_published(self, published: dict[int, int]) -> None:
        """Take those extra ports from a kept container (see `attach`)."""

    # -- internals ---------------------------------------------------------------------------

    def _require_node(self) -> NodeContainer:
        if self._node is None:
            raise ClusterError("the cluster is not up: call up() first")
        return self._node

    def _api(self) -> k8s.ApiClient:
        return api_client_for(self.kubeconfig_path)

    def _write_kubeconfig(self) -> None:
        node = self._require_node()

        def admin_kubeconfig() -> Observation:
            code, output = node.exec(["cat", self.node_kubeconfig])
            if code != 0:
                return Observation(False, f"{output.strip()} (container {node.logs(5).strip()})")
            try:
                # A file caught while the node is still writing it parses to nothing useful.
                return Observation(True, point_at_host_port(output, self._api_port))
            except ClusterError as error:
                return Observation(False, str(error))

        try:
            text = wait_for(
                admin_kubeconfig, awaiting="the node's admin kubeconfig", timeout_s=60
            ).seen
        except WaitTimeout as error:
            raise ClusterError(f"{error}; node log: {self._node_log_tail()}") from None
        write_private(self.kubeconfig_path, text)

    def _await_ready(self, since: datetime, what: str) -> None:
        started = time.monotonic()
        try:
            api = api_client_for(self.kubeconfig_path, retries=0, request_timeout_s=LOOK_TIMEOUT_S)
            wait_until_ready(api, self._node_name, since, self.ready_timeout_s, what)
        except WaitTimeout as error:
            raise ClusterError(f"{error}; node log: {self._node_log_tail()}") from None
        log.info("%s: ready after %.1fs", what, time.monotonic() - started)

    def _node_log_tail(self) -> str:
        node = self._require_node()
        if not node.is_running():
            return "container stopped: " + " | ".join(node.logs(5).strip().splitlines())
        return " | ".join(node.logs(3).strip().splitlines()) or "(empty)"


def _parse_docker_time(text: str) -> datetime:
    """Docker's RFC 3339 time with nanoseconds ("2026-11-25T02:10:03.123456789Z"), to seconds:
    a Ready heartbeat at or after it is fresh."""
    return datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
