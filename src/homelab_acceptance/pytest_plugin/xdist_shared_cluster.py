"""`pytest -n N` (pytest-xdist): the workers share one cluster, which the controller owns.

The controller makes the cluster (or attaches to the kept one `--reuse-cluster` names) before
the workers start, tells each worker its run id and provider, and removes it after the last
worker has finished, as `--keep-cluster` says. A worker attaches to it (the `cluster`
fixture); the stack is applied once, the workers taking turns (stack_fixtures), so the first
applies it and the others find it recorded as applied. Disruptive checks (node restart,
drain) are not run by workers: they would break the checks the other workers run meanwhile
(plugin._disruptive_guard says so in the skip reason).

Names do not collide: each worker has a run id of its own, and every namespace or pod a check
makes carries it; the stack's objects are the controller's run's, applied once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from docker.errors import DockerException

from homelab_acceptance.cleanup_shield import signals_held
from homelab_acceptance.cluster import Cluster
from homelab_acceptance.cluster.container_cluster import ContainerCluster
from homelab_acceptance.errors import ConfigurationError, HomelabAcceptanceError
from homelab_acceptance.pytest_plugin.report import run_has_failed
from homelab_acceptance.pytest_plugin.session_state import REPORT_PLUGIN, progress_printer
from homelab_acceptance.pytest_plugin.xdist_roles import SHARED_CLUSTER_INPUT


class SharedClusterForWorkers:
    """The controller's side: `open_shared` makes (or attaches) the cluster; `keep_it` says,
    at the end, whether it stays (and announces it) or goes."""

    def __init__(
        self,
        config: pytest.Config,
        open_shared: Callable[[], Cluster],
        kept: Callable[[Cluster, bool], bool],
    ) -> None:
        self.config = config
        self.open_shared = open_shared
        self.kept = kept
        self.cluster: Cluster | None = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """Before xdist starts its workers (its own pytest_sessionstart does)."""
        report: Any = self.config.pluginmanager.get_plugin(REPORT_PLUGIN)
        try:
            the_cluster = self.open_shared()
            if not isinstance(the_cluster, ContainerCluster):
                the_cluster.down()
                raise ConfigurationError(
                    f"pytest-xdist (-n): workers can share a debian:// or k3s:// cluster, not "
                    f"{the_cluster.provider}://; run without -n"
                )
        except HomelabAcceptanceError as error:
            if report is not None:
                report.note_harness_failure(f"cluster: {error}")
            pytest.exit(f"cluster: {error}", returncode=2)
        self.cluster = the_cluster
        if report is not None:
            report.learn_cluster(the_cluster)

    def pytest_configure_node(self, node: Any) -> None:
        """xdist's hook, for each worker as it starts: where the shared cluster is."""
        assert isinstance(self.cluster, ContainerCluster)
        node.workerinput[SHARED_CLUSTER_INPUT] = {
            "run_id": self.cluster.identity.run_id,
            "provider": self.cluster.provider,
        }

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """After the workers are done (xdist's run loop has ended by now)."""
        failed = session.testsfailed > 0 or run_has_failed(self.config)
        if self.cluster is None or self.kept(self.cluster, failed):
            return
        show = progress_printer(self.config)
        try:
            with signals_held("removing the cluster", show):
                self.cluster.down()
        except (HomelabAcceptanceError, DockerException, OSError) as error:
            # The report is written by now: the gate fails, and the line says why.
            show(
                f"cleanup failed: removing the {self.cluster.provider}:// cluster: {error} "
                "(`homelab-acceptance clean` removes what is left)"
            )
            session.exitstatus = 2
