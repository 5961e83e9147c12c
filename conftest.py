"""Fixtures this repository's acceptance suites and its own tests share: the tiny workload
image built from Debian's busybox-static, and a web app deployed from fixtures/workloads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from kubernetes import client as k8s
from kubernetes import utils as k8s_utils

from homelab_acceptance.cluster import Cluster
from homelab_acceptance.docker_engine import connect_docker
from homelab_acceptance.probe_image import build_probe_image
from homelab_acceptance.probes.namespaces import labelled_namespace
from homelab_acceptance.probes.pods import wait_pod_running
from homelab_acceptance.probes.services import wait_service_ready
from homelab_acceptance.run_identity import RunIdentity
from homelab_acceptance.session_state import progress_printer, run_identity_key

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def built_busybox_image(request: pytest.FixtureRequest) -> str:
    """The busybox image, built locally (not yet in any cluster)."""
    show = progress_printer(request.config)
    return build_probe_image(connect_docker(), show)


@pytest.fixture(scope="session")
def busybox_image(cluster: Cluster, built_busybox_image: str) -> str:
    """The busybox image, imported into the session's cluster."""
    cluster.import_images([built_busybox_image])
    return built_busybox_image


@dataclass(frozen=True)
class WebApp:
    namespace: str
    cluster_ip: str
    node_port: int
    client_pod: str


@contextmanager
def deployed_web_app(api: k8s.ApiClient, identity: RunIdentity, purpose: str) -> Iterator[WebApp]:
    """fixtures/workloads/web.yaml in a namespace of its own, serving; removed afterwards."""
    with labelled_namespace(api, identity, purpose) as namespace:
        k8s_utils.create_from_yaml(
            api, str(FIXTURES / "workloads" / "web.yaml"), namespace=namespace
        )
        wait_pod_running(api, namespace, "client")
        wait_service_ready(api, namespace, "web")
        service = k8s.CoreV1Api(api).read_namespaced_service("web", namespace)
        assert service.spec is not None
        yield WebApp(namespace, str(service.spec.cluster_ip), 30007, "client")


@pytest.fixture(scope="session")
def deploy_web_app() -> Callable[[k8s.ApiClient, RunIdentity, str], AbstractContextManager[WebApp]]:
    """For tests that run their own cluster: deploy the web app into it."""
    return deployed_web_app


@pytest.fixture(scope="session")
def web_app(
    request: pytest.FixtureRequest, kube_api: k8s.ApiClient, busybox_image: str
) -> Iterator[WebApp]:
    """The web app on the session's cluster."""
    with deployed_web_app(kube_api, request.config.stash[run_identity_key], "web") as app:
        yield app
