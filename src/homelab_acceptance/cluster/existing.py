"""`kubeconfig://path?context=name`: an existing cluster, e.g. the real homelab.

It never destroys what it did not create: `down()` removes only the harness's private copy of
the kubeconfig (namespaces the suites create are labelled and removed by those suites). The
node restarts only through a configured command (`?restart=ssh homelab sudo systemctl restart
k3s`), and disruptive checks run only with --allow-disruptive.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from kubernetes import client as k8s

from homelab_acceptance.cluster.contract import Cluster
from homelab_acceptance.cluster.kubeconfig import write_private
from homelab_acceptance.cluster.readiness import LOOK_TIMEOUT_S, wait_until_ready
from homelab_acceptance.errors import ClusterError, ConfigurationError, WaitTimeout
from homelab_acceptance.kube.client import api_client_for
from homelab_acceptance.run_identity import RunIdentity


class ExistingCluster(Cluster):
    """A cluster the harness did not create. See the module docstring."""

    provider = "kubeconfig"
    ephemeral = False

    def __init__(
        self,
        identity: RunIdentity | None = None,
        *,
        kubeconfig: Path,
        context: str | None = None,
        restart_command: str | None = None,
        keep: bool = False,
        ready_timeout_s: float = 60.0,
        restart_timeout_s: float = 300.0,
        progress: Callable[[str], None] = print,
    ) -> None:
        self.identity = identity or RunIdentity.new()
        self.source = kubeconfig
        self.context = context
        self.restart_command = restart_command
        self.ready_timeout_s = ready_timeout_s
        self.restart_timeout_s = restart_timeout_s
        self.progress = progress
        self._copy: Path | None = None
        self._server = ""
        self._version = ""
        self._node_name = ""

    def up(self) -> None:
        config = self._read_kubeconfig()
        self._copy = self.identity.workdir() / "kubeconfig"
        write_private(self._copy, yaml.safe_dump(config, sort_keys=False))
        api = api_client_for(self._copy, retries=0, request_timeout_s=LOOK_TIMEOUT_S)
        try:
            node = self._first_node(api)
        except ClusterError:
            raise
        except Exception as error:  # unreachable: connection refused, TLS, DNS, auth
            raise ClusterError(
                f"existing cluster at {self._server} (context {config['current-context']!r} in "
                f"{self.source}) did not answer: {_why(error)}"
            ) from None
        try:
            ever = datetime.fromtimestamp(0, UTC)
            what = f"existing cluster at {self._server}"
            wait_until_ready(api, node, ever, self.ready_timeout_s, what, addons=False)
        except WaitTimeout as error:
            raise ClusterError(str(error)) from None
        self._version = str(k8s.VersionApi(api).get_code().git_version)
        self.progress(
            f"cluster: kubeconfig:// {self._server} (context {config['current-context']}), "
            f"Kubernetes {self._version}, node {self._node_name}"
        )

    def _read_kubeconfig(self) -> dict[str, Any]:
        if not self.source.is_file():
            raise ConfigurationError(f"kubeconfig:// {self.source}: no such file")
        try:
            config: Any = yaml.safe_load(self.source.read_text())
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f":{mark.line + 1}" if mark else ""
            raise ConfigurationError(f"kubeconfig:// {self.source}{where}: not YAML") from None
        if not isinstance(config, dict) or not isinstance(config.get("contexts"), list):
            raise ConfigurationError(f"kubeconfig:// {self.source}: no contexts in this file")
        names = [c.get("name") for c in config["contexts"] if isinstance(c, dict)]
        chosen = self.context or config.get("current-context")
        if chosen not in names:
            raise ConfigurationError(
                f"kubeconfig:// {self.source}: context {chosen!r} not found "
                f"(contexts: {', '.join(map(str, names)) or 'none'})"
            )
        config["current-context"] = chosen
        context = next(c for c in config["contexts"] if c.get("name") == chosen)
        cluster_name = (context.get("context") or {}).get("cluster")
        clusters = [c for c in config.get("clusters") or [] if c.get("name") == cluster_name]
        cluster: dict[str, Any] = clusters[0] if clusters else {}
        self._server = str((cluster.get("cluster") or {}).get("server", "?"))
        return dict(config)

    def _first_node(self, api: k8s.ApiClient) -> str:
        nodes = k8s.CoreV1Api(api).list_node(_request_timeout=10).items
        names = sorted(str(n.metadata.name) for n in nodes if n.metadata)
        if not names:
            raise ClusterError(f"existing cluster at {self._server} has no nodes")
        self._node_name = names[0]
        return self._node_name

    def restart_node(self) -> None:
        if not self.restart_command:
            raise ClusterError(
                "kubeconfig:// restarts the node only through a configured command: add "
                "?restart=<command> to the spec (e.g. ssh homelab sudo systemctl restart k3s)"
            )
        since = datetime.now(UTC).replace(microsecond=0)
        result = subprocess.run(
            shlex.split(self.restart_command), capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise ClusterError(
                f"restart command {self.restart_command!r} failed "
                f"(exit {result.returncode}): {last}"
            )
        try:
            wait_until_ready(
                api_client_for(self.kubeconfig_path, retries=0, request_timeout_s=LOOK_TIMEOUT_S),
                self._node_name,
                since,
                self.restart_timeout_s,
                "node restart",
                addons=False,
            )
        except WaitTimeout as error:
            raise ClusterError(str(error)) from None

    def down(self) -> None:
        # Only the private kubeconfig copy is ours; the cluster is left exactly as it is.
        if self._copy is not None:
            shutil.rmtree(self._copy.parent, ignore_errors=True)

    def import_images(self, images: Sequence[str]) -> None:
        if images:
            raise ClusterError(
                "kubeconfig:// cannot import local images into an existing cluster: push "
                f"{', '.join(images)} to a registry the cluster pulls from"
            )

    @property
    def kubeconfig_path(self) -> Path:
        if self._copy is None:
            raise ClusterError("the cluster is not up: no kubeconfig yet")
        return self._copy

    @property
    def kubernetes_version(self) -> str:
        return self._version

    @property
    def node_name(self) -> str:
        return self._node_name

    def node_port_address(self, node_port: int) -> tuple[str, int]:
        return str(urlsplit(self._server).hostname), node_port

    def describe(self) -> dict[str, str]:
        return {
            "provider": "kubeconfig://",
            "kubernetes_version": self._version,
            "server": self._server,
            "context": self.context or "(current)",
            "node": self._node_name,
        }


def _why(error: BaseException) -> str:
    """The reason under a client error, not its wrapping: "connection refused" rather than
    urllib3's HTTPSConnectionPool(...) Max retries exceeded (... NewConnectionError ...)."""
    reason = getattr(error, "reason", None)  # urllib3's MaxRetryError keeps the cause there
    text = str(reason if isinstance(reason, BaseException) else error)
    found = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", text)
    if found is not None:
        return found.group(1).strip().rstrip(".").lower()
    return " ".join(text.split())[:200]
