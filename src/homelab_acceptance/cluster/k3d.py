"""`k3d://k3d-config.yaml`: a K3S cluster made by k3d from the repository's config.

The config is validated before anything runs (file, line, field). The harness names the
cluster after the run (parallel runs never collide), puts the API on a free port on
127.0.0.1, labels the node containers with the run, and never touches the user's default
kubeconfig. k3d and the rancher/k3s image cannot be had where no registry is reachable, so on
such machines this provider is tested by what can run: config checks, the commands it builds,
and the one-line error when the k3d binary is absent.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from kubernetes import client as k8s

from homelab_acceptance.cluster.contract import Cluster
from homelab_acceptance.cluster.host_ports import LOOPBACK, free_port
from homelab_acceptance.cluster.k3d_config import K3dConfig, load_k3d_config
from homelab_acceptance.cluster.kubeconfig import write_private
from homelab_acceptance.cluster.readiness import LOOK_TIMEOUT_S, wait_until_ready
from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.errors import ClusterError, WaitTimeout
from homelab_acceptance.kube.client import api_client_for
from homelab_acceptance.run_identity import LABEL, OWNER_LABEL, RunIdentity


def find_k3d() -> str:
    found = shutil.which("k3d")
    if found is None:
        raise ClusterError(
            "k3d:// needs the k3d binary on PATH, and there is none: install k3d "
            "(https://k3d.io) or use --cluster k3s:// or --cluster debian://"
        )
    return found


class K3dCluster(Cluster):
    """A k3d cluster from a config file. See the module docstring."""

    provider = "k3d"

    def __init__(
        self,
        identity: RunIdentity | None = None,
        *,
        config: Path,
        keep: bool = False,
        ready_timeout_s: float = 180.0,
        progress: Callable[[str], None] = print,
    ) -> None:
        self.identity = identity or RunIdentity.new()
        self.config_path = config
        self.keep = keep
        self.ready_timeout_s = ready_timeout_s
        self.progress = progress
        self.cluster_name = f"hla-{self.identity.run_id}"
        self._config: K3dConfig | None = None
        self._created = False
        self._workdir: Path | None = None
        self._api_port = 0
        self._version = ""

    def create_command(self, k3d: str, api_port: int) -> list[str]:
        labels = [f"{key}={value}" for key, value in self.identity.labels(keep=self.keep).items()]
        command = [
            k3d, "cluster", "create", self.cluster_name,
            "--config", str(self.config_path),
            "--api-port", f"{LOOPBACK}:{api_port}",
            "--kubeconfig-update-default=false",
            "--kubeconfig-switch-context=false",
            "--wait", "--timeout", f"{int(self.ready_timeout_s)}s",
        ]  # fmt: skip
        for label in labels:
            command += ["--runtime-label", f"{label}@server:0"]
        return command

    def up(self) -> None:
        self._config = load_k3d_config(self.config_path)  # bad input first, before any tool
        k3d = find_k3d()
        self._api_port = free_port()
        self._workdir = self.identity.workdir()
        self._created = True
        self._run(self.create_command(k3d, self._api_port), "cluster create")
        kubeconfig = self._run([k3d, "kubeconfig", "get", self.cluster_name], "kubeconfig get")
        write_private(self.kubeconfig_path, kubeconfig)
        self._await_ready(datetime.fromtimestamp(0, UTC), "k3d cluster start")
        api = api_client_for(self.kubeconfig_path)
        self._version = str(k8s.VersionApi(api).get_code().git_version)
        self.progress(f"cluster: k3d:// {self.cluster_name} Ready, Kubernetes {self._version}")

    def restart_node(self) -> None:
        since = datetime.now(UTC).replace(microsecond=0)
        connect_docker().containers.get(self.server_container).restart(timeout=20)
        self._await_ready(since, "node restart")

    def down(self) -> None:
        if self._created and not self.keep and shutil.which("k3d"):
            self._run([find_k3d(), "cluster", "delete", self.cluster_name], "cluster delete")
            self._created = False
        if self._workdir is not None and not self.keep:
            shutil.rmtree(self._workdir, ignore_errors=True)

    def import_images(self, images: Sequence[str]) -> None:
        if images:
            self._run(
                [find_k3d(), "image", "import", "-c", self.cluster_name, *images], "image import"
            )

    @property
    def server_container(self) -> str:
        return f"k3d-{self.cluster_name}-server-0"

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
        return self.server_container

    def node_port_address(self, node_port: int) -> tuple[str, int]:
        raise ClusterError(
            f"k3d:// publishes only the ports in {self.config_path}: add "
            f"`- port: {LOOPBACK}:<host port>:{node_port}` with nodeFilters [server:0]"
        )

    def ingress_address(self, https: bool = False) -> tuple[str, int] | None:
        """Traefik's web (or websecure) entry point, where the config publishes the
        loadbalancer's port 80 (443): `127.0.0.1:<host port>:80`."""
        config = self._config or load_k3d_config(self.config_path)
        wanted = "443" if https else "80"
        for port in config.ports:
            _, host_port, container_port = port.split(":")[-3:]
            if container_port.split("/")[0] == wanted:
                return LOOPBACK, int(host_port)
        return None

    def describe(self) -> dict[str, str]:
        return {
            "provider": "k3d://",
            "config": str(self.config_path),
            "cluster": self.cluster_name,
            "image": self._config.image if self._config else "",
            "kubernetes_version": self._version,
            "labels": f"{LABEL}, {OWNER_LABEL} on the server container",
        }

    def _run(self, command: list[str], what: str) -> str:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise ClusterError(f"k3d {what} for {self.cluster_name} failed: {last}")
        return result.stdout

    def _await_ready(self, since: datetime, what: str) -> None:
        api = api_client_for(self.kubeconfig_path, retries=0, request_timeout_s=LOOK_TIMEOUT_S)
        try:
            wait_until_ready(api, self.server_container, since, self.ready_timeout_s, what)
        except WaitTimeout as error:
            raise ClusterError(str(error)) from None
