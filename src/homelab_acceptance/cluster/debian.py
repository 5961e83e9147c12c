"""`debian://`: a single-node Kubernetes (v1.34.4, built from its Go module; the rest from
Debian's packages), in one Docker container. Runs where no container registry can be reached.

URL options: `debian://?api_port=N` pins the API's host port (default: a free one, chosen at
`up()` and kept across restarts); `nodeports=30000-30031` is the NodePort range published on
127.0.0.1 (same numbers on the host when free, else a free block above 40000).
"""

from __future__ import annotations

import docker

from homelab_acceptance.cluster.container_cluster import ContainerCluster
from homelab_acceptance.cluster.node_container import NodeContainerSpec
from homelab_acceptance.node_image import ensure_node_image

STATE_DIR = "/var/lib/homelab-node"


class DebianCluster(ContainerCluster):
    """The node container built from Debian's packages. See the module docstring."""

    provider = "debian"
    node_kubeconfig = "/etc/kubernetes/admin.conf"

    def _prepare_image(self, client: docker.DockerClient) -> str:
        return ensure_node_image(client, self.progress).tag

    def _node_spec(self, published: dict[int, int]) -> NodeContainerSpec:
        return self._spec(published, state_dir=STATE_DIR)
