"""The contract every cluster provider fulfils, whatever runs the node."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType


class Cluster(ABC):
    """A single-node Kubernetes cluster the harness can use, restart and remove.

    Constructing one does no I/O. `up()` returns once the API answers, the node is Ready and
    the default ServiceAccount exists; `down()` removes everything the cluster created. As a
    context manager it is up inside the block and down after it, also when `up()` fails half
    way.
    """

    #: The provider's URL scheme, e.g. "debian".
    provider: str
    #: True when the harness created the cluster and may disrupt it freely; False for an
    #: existing cluster, where disruptive checks need an explicit opt-in.
    ephemeral: bool = True

    @abstractmethod
    def up(self) -> None:
        """Start the cluster and return when it is ready for workloads."""

    @abstractmethod
    def down(self) -> None:
        """Remove everything this cluster created. Safe to call more than once."""

    @abstractmethod
    def restart_node(self) -> None:
        """Restart the node like a reboot (state kept) and return when it is Ready again."""

    @abstractmethod
    def import_images(self, images: Sequence[str]) -> None:
        """Make local Docker images available to the node's container runtime."""

    @property
    @abstractmethod
    def kubeconfig_path(self) -> Path:
        """A kubeconfig (mode 0600) whose server is on 127.0.0.1."""

    @property
    @abstractmethod
    def kubernetes_version(self) -> str:
        """The API server's version, e.g. "v1.20.2"."""

    @property
    @abstractmethod
    def node_name(self) -> str:
        """The name of the cluster's one node."""

    @abstractmethod
    def node_port_address(self, node_port: int) -> tuple[str, int]:
        """Where the host reaches a Service's NodePort: ("127.0.0.1", host port)."""

    def ingress_address(self, https: bool = False) -> tuple[str, int] | None:
        """Where the host reaches the cluster's ingress controller (Traefik on K3S), or None
        when the cluster has none the harness knows of."""
        return None

    @abstractmethod
    def describe(self) -> dict[str, str]:
        """Facts for a report: provider, node image, how the node container runs, …"""

    def __enter__(self) -> Cluster:
        try:
            self.up()
        except BaseException:
            self.down()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.down()
