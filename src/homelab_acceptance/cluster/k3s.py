"""`k3s://`: K3S in Docker, from the pinned rancher/k3s image, as a homelab runs it: Traefik on,
state on a volume (a restart is a reboot), API and ingress published on 127.0.0.1 only.

URL options: `image=rancher/k3s:vX.Y.Z-k3sN` (never `:latest`: K3S does not maintain it);
`airgap_images=DIR` copies the image archives in DIR into K3S's agent/images directory on the
state volume (K3S records them in `.cache.json` there, so an unchanged archive is not imported
again at each start); `registries=FILE` becomes /etc/rancher/k3s/registries.yaml (mirrors);
`api_port=N` and `nodeports=A-B` as for debian://.

K3S's own readiness log line is not trusted: `up()` waits for /readyz, the node Ready with a
fresh heartbeat, and the default ServiceAccount, like every provider.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker
from docker.errors import DockerException, ImageNotFound

from homelab_acceptance.cluster.container_cluster import ContainerCluster
from homelab_acceptance.cluster.host_ports import LOOPBACK, free_port
from homelab_acceptance.cluster.node_container import NodeContainerSpec
from homelab_acceptance.errors import ClusterError, ConfigurationError
from homelab_acceptance.run_identity import RunIdentity

DEFAULT_IMAGE = "rancher/k3s:v1.34.4-k3s1"
STATE_DIR = "/var/lib/rancher/k3s"
AIRGAP_DIR = f"{STATE_DIR}/agent/images"
AIRGAP_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.zst", ".tar.lz4", ".tar.bz2")
PULL_TIMEOUT_S = 20.0


def check_image_reference(image: str) -> str:
    """`image` if it names an exact tag; `:latest` or no tag is refused."""
    name = image.rsplit("/", 1)[-1]
    if ":" not in name and "@" not in image:
        raise ConfigurationError(f"k3s:// image {image!r}: give an exact tag, e.g. {DEFAULT_IMAGE}")
    if name.endswith(":latest"):
        raise ConfigurationError(
            f"k3s:// image {image!r}: K3S does not maintain :latest; pin a tag like {DEFAULT_IMAGE}"
        )
    return image


def image_unavailable_reason(
    client: docker.DockerClient, image: str, pull_timeout_s: float = PULL_TIMEOUT_S
) -> str | None:
    """None when `image` is present locally or could be pulled within `pull_timeout_s`;
    otherwise why not. A pull still running at the deadline is left to the engine."""
    try:
        client.images.get(image)
        return None
    except ImageNotFound:
        pass
    outcome: dict[str, str | None] = {}

    def pull() -> None:
        try:
            client.images.pull(image)
            outcome["reason"] = None
        except DockerException as error:
            text = getattr(error, "explanation", None) or str(error)
            outcome["reason"] = " ".join(str(text).split())[:200]

    puller = threading.Thread(target=pull, daemon=True)
    puller.start()
    puller.join(pull_timeout_s)
    if puller.is_alive():
        return f"not present, and a pull did not finish within {pull_timeout_s:.0f}s"
    reason = outcome.get("reason")
    return None if reason is None else f"not present and cannot be pulled: {reason}"


class K3sCluster(ContainerCluster):
    """K3S in one Docker container. See the module docstring."""

    provider = "k3s"
    node_kubeconfig = "/etc/rancher/k3s/k3s.yaml"

    def __init__(
        self,
        identity: RunIdentity | None = None,
        *,
        image: str = DEFAULT_IMAGE,
        airgap_images: Path | None = None,
        registries: Path | None = None,
        **options: Any,
    ) -> None:
        super().__init__(identity, **options)
        self.image = check_image_reference(image)
        self.airgap_images = airgap_images
        self.registries = registries
        self._ingress_ports: dict[int, int] = {}

    def _prepare_image(self, client: docker.DockerClient) -> str:
        reason = image_unavailable_reason(client, self.image)
        if reason is not None:
            raise ClusterError(
                f"k3s:// needs {self.image}, which is {reason}: `docker load` it, point Docker "
                "at a registry mirror, or use --cluster debian://"
            )
        return self.image

    def _extra_published(self) -> dict[int, int]:
        # Traefik's web and websecure entry points, on ports chosen once and kept.
        if not self._ingress_ports:
            self._ingress_ports = {80: free_port(), 443: free_port()}
        return dict(self._ingress_ports)

    def _adopt_extra_published(self, published: dict[int, int]) -> None:
        self._ingress_ports = {port: published[port] for port in (80, 443) if port in published}

    def ingress_address(self, https: bool = False) -> tuple[str, int]:
        """Where the host reaches Traefik: ("127.0.0.1", port)."""
        if not self._ingress_ports:
            raise ClusterError("the cluster is not up: no ingress port yet")
        return LOOPBACK, self._ingress_ports[443 if https else 80]

    def _node_spec(self, published: dict[int, int]) -> NodeContainerSpec:
        return self._spec(
            published,
            state_dir=STATE_DIR,
            command=(
                "server",
                f"--node-name={self._node_name}",
                "--tls-san=127.0.0.1",
                "--tls-san=localhost",
            ),
            probe_command=("/bin/k3s", "--version"),
            files=self._files(),
        )

    def _files(self) -> dict[str, bytes | Path]:
        files: dict[str, bytes | Path] = {}
        if self.registries is not None:
            files["/etc/rancher/k3s/registries.yaml"] = self.registries
        if self.airgap_images is not None:
            for archive in sorted(self.airgap_images.iterdir()):
                if archive.is_file() and archive.name.endswith(AIRGAP_SUFFIXES):
                    files[f"{AIRGAP_DIR}/{archive.name}"] = archive
        return files


def path_option(kind: str, must_be_dir: bool) -> Callable[[str], Path]:
    """A converter for a URL option naming a local file or directory that must exist."""

    def convert(value: str) -> Path:
        path = Path(value).expanduser()
        if must_be_dir and not path.is_dir():
            raise ConfigurationError(f"k3s:// option {kind}={value!r}: no such directory")
        if not must_be_dir and not path.is_file():
            raise ConfigurationError(f"k3s:// option {kind}={value!r}: no such file")
        return path

    return convert
