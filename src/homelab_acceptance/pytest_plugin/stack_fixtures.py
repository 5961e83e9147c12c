"""The plugin's stack fixtures: the stack provisioned for the session, the clients of its
observability services, and a probe pod for checks made from inside the cluster."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from kubernetes import client as k8s

from homelab_acceptance.checks.container_restarts import RestartCounts, restart_counts
from homelab_acceptance.cluster import Cluster
from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.errors import HomelabAcceptanceError
from homelab_acceptance.kube.client import api_client_for
from homelab_acceptance.kube.namespaces import labelled_namespace
from homelab_acceptance.kube.pods import sleeping_pod, wait_pod_running
from homelab_acceptance.probe_image import build_probe_image
from homelab_acceptance.probes.alertmanager import Alertmanager
from homelab_acceptance.probes.grafana import Grafana
from homelab_acceptance.probes.grafana_login import grafana_credentials
from homelab_acceptance.probes.port_forward import port_forward
from homelab_acceptance.probes.prometheus import Prometheus
from homelab_acceptance.probes.service_proxy import ServiceProxy
from homelab_acceptance.provision.bring_up_cause import harness_or_machine_cause
from homelab_acceptance.provision.stack_lifecycle import (
    ComponentOutcome,
    ImagesOutcome,
    StackLifecycle,
)
from homelab_acceptance.pytest_plugin.options import run_options
from homelab_acceptance.pytest_plugin.report import (
    register_secret,
    report_cleanup_failure,
    report_stack_not_up,
)
from homelab_acceptance.pytest_plugin.session_state import fail, progress_printer, run_identity_key
from homelab_acceptance.pytest_plugin.xdist_roles import is_xdist_worker
from homelab_acceptance.report.checks import one_line
from homelab_acceptance.run_identity import LABEL, RunIdentity
from homelab_acceptance.spec import ServiceRef, Stack

#: The identity the stack is provisioned under, when not the session's: a reused cluster's
#: (its labels and OpenTofu state belong to the run that kept it).
stack_identity_key = pytest.StashKey[RunIdentity]()


@dataclass(frozen=True)
class ProvisionedStack:
    """The stack under test, applied and settled on the cluster, with what that took."""

    stack: Stack
    lifecycle: StackLifecycle
    images: ImagesOutcome | None
    outcomes: tuple[ComponentOutcome, ...]
    #: Every container's restart count once the stack had settled (checks/container_restarts).
    settled_restarts: RestartCounts = field(default_factory=dict)
    #: When the stack had settled (time.monotonic()).
    settled_at: float = 0.0

    @property
    def namespaces(self) -> tuple[str, ...]:
        return tuple(sorted({component.namespace for component in self.stack.components}))


@pytest.fixture(scope="session")
def provisioned_stack(
    request: pytest.FixtureRequest, cluster: Cluster, stack: Stack
) -> Iterator[ProvisionedStack]:
    """The stack spec's components applied and settled on the cluster (images built and
    imported first where the harness made the cluster); destroyed after the session unless
    --keep-cluster keeps the cluster. On a reused cluster only what changed since the stack
    was recorded there is imported and applied."""
    show = progress_printer(request.config)
    identity = request.config.stash.get(stack_identity_key, request.config.stash[run_identity_key])
    lifecycle = StackLifecycle(cluster, stack, identity, show)
    images: ImagesOutcome | None = None
    failure: HomelabAcceptanceError | None = None
    try:
        with _provisioning_turn(request.config, identity):
            if cluster.ephemeral:
                images = lifecycle.prepare_images(connect_docker())
            else:
                show(f"stack: {cluster.provider}:// is not ours: its images must be pullable")
            outcomes = tuple(lifecycle.apply_changed())
        namespaces = {component.namespace for component in stack.components}
        settled_restarts = restart_counts(api_client_for(cluster.kubeconfig_path), namespaces)
        settled_at = time.monotonic()
    except HomelabAcceptanceError as error:
        failure = error
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM): a cluster the harness made goes away whole within
        # seconds; destroying it component by component first took 22 s for one component.
        if not cluster.ephemeral:
            _destroy_quietly(lifecycle, request.config)
        raise
    if failure is not None:
        component = lifecycle.component_in_progress
        # Forensics first, while what failed is still on the cluster.
        cause = harness_or_machine_cause(failure)
        if cause is None:
            report_stack_not_up(request.config, str(failure), component)
        # What was applied before the failure must not stay on a cluster that is not ours
        # (one the harness made goes away whole at the end of the session).
        if not cluster.ephemeral:
            _destroy_quietly(lifecycle, request.config)
        if cause is not None:
            fail(HomelabAcceptanceError(f"could not bring the stack up ({cause}): {failure}"))
        # The stack's own doing: a rejected stack, one failed requirement in the report; every
        # check that needs the stack is skipped with the reason (pytest caches the skip).
        pytest.skip(f"the stack did not come up: {one_line(str(failure))}")
    yield ProvisionedStack(stack, lifecycle, images, outcomes, settled_restarts, settled_at)
    keep = run_options(request.config).keep_cluster
    if keep == "always" or (keep == "on-failure" and request.session.testsfailed > 0):
        return
    if cluster.ephemeral:
        # The whole cluster goes next, and the stack with it: destroying it component by
        # component first would only cost a minute (tests/integration covers destroy).
        return
    try:
        lifecycle.destroy()
    except HomelabAcceptanceError as error:
        report_cleanup_failure(request.config, f"removing the stack: {error}")


#: The lock file pytest-xdist workers take turns with, in the shared cluster's work dir.
PROVISIONING_LOCK = "provisioning.lock"


@contextmanager
def _provisioning_turn(config: pytest.Config, identity: RunIdentity) -> Iterator[None]:
    """pytest-xdist workers share one cluster and one stack on it: they apply it one at a
    time (an exclusive lock in the cluster's work dir), so the first applies it and the
    others find it recorded as applied, with nothing changed. Alone, no lock is needed."""
    if not is_xdist_worker(config):
        yield
        return
    with (identity.workdir() / PROVISIONING_LOCK).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        yield


def _declared_service(stack: Stack, what: str) -> ServiceRef:
    service: ServiceRef | None = getattr(stack.observability, what)
    if service is None:
        pytest.skip(f"the stack declares no {what} (observability.{what} in {stack.path})")
    return service


@pytest.fixture(scope="session")
def prometheus(provisioned_stack: ProvisionedStack, kube_api: k8s.ApiClient) -> Prometheus:
    """The stack's Prometheus (observability.prometheus), through the service proxy."""
    service = _declared_service(provisioned_stack.stack, "prometheus")
    return Prometheus(ServiceProxy(kube_api, service))


@pytest.fixture(scope="session")
def alertmanager(provisioned_stack: ProvisionedStack, kube_api: k8s.ApiClient) -> Alertmanager:
    """The stack's Alertmanager (observability.alertmanager), through the service proxy."""
    service = _declared_service(provisioned_stack.stack, "alertmanager")
    return Alertmanager(ServiceProxy(kube_api, service))


@pytest.fixture(scope="session")
def loki(provisioned_stack: ProvisionedStack, kube_api: k8s.ApiClient) -> ServiceProxy:
    """The stack's Loki (observability.loki), through the service proxy."""
    return ServiceProxy(kube_api, _declared_service(provisioned_stack.stack, "loki"))


@pytest.fixture(scope="module")
def grafana(
    request: pytest.FixtureRequest,
    provisioned_stack: ProvisionedStack,
    cluster: Cluster,
    kube_api: k8s.ApiClient,
) -> Iterator[Grafana]:
    """The stack's Grafana (observability.grafana), logged in with the Secret named by
    observability.grafana_admin_secret (anonymous without one), through kubectl port-forward
    on 127.0.0.1 (the service proxy would drop the credentials)."""
    stack = provisioned_stack.stack
    service = _declared_service(stack, "grafana")
    secret = stack.observability.grafana_admin_secret
    credentials = grafana_credentials(kube_api, secret) if secret is not None else None
    if credentials is not None:
        register_secret(request.config, credentials[1])  # never in a report
    with port_forward(cluster.kubeconfig_path, service) as url:
        yield Grafana(url, credentials)


def _destroy_quietly(lifecycle: StackLifecycle, config: pytest.Config) -> None:
    try:
        lifecycle.destroy()
    except HomelabAcceptanceError as error:
        report_cleanup_failure(config, f"removing the stack after its failure: {error}")


@pytest.fixture(scope="session")
def probe_pod(
    request: pytest.FixtureRequest, cluster: Cluster, kube_api: k8s.ApiClient
) -> Iterator[tuple[str, str]]:
    """(namespace, name) of a busybox pod for checks made from inside the cluster."""
    if not cluster.ephemeral:
        pytest.skip(
            f"{cluster.provider}:// is not ours: the probe image cannot be imported, so checks "
            "from inside the cluster are not run"
        )
    identity = request.config.stash[run_identity_key]
    shared = request.config.stash.get(stack_identity_key, identity)
    with _provisioning_turn(request.config, shared):
        image = build_probe_image(connect_docker(), progress_printer(request.config))
        cluster.import_images([image])
    with labelled_namespace(kube_api, identity, "probe") as namespace:
        pod = sleeping_pod("probe", image, "Never", {LABEL: identity.run_id})
        k8s.CoreV1Api(kube_api).create_namespaced_pod(namespace, pod)
        wait_pod_running(kube_api, namespace, "probe")
        yield namespace, "probe"
