"""Fixtures this repository's acceptance suites and its own tests share: the tiny workload
image built from Debian's busybox-static, and a web app deployed from fixtures/workloads."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from kubernetes import client as k8s
from kubernetes import utils as k8s_utils

from homelab_acceptance.cluster import Cluster
from homelab_acceptance.docker_engine import connect_docker
from homelab_acceptance.local_images import build_local_image
from homelab_acceptance.plugin import progress_printer, run_identity_key
from homelab_acceptance.probes.namespaces import labelled_namespace
from homelab_acceptance.probes.pods import wait_pod_running
from homelab_acceptance.waiting import Observation, wait_for

FIXTURES = Path(__file__).parent / "fixtures"
BUSYBOX_IMAGE = "homelab-acceptance/busybox:1.35"


@pytest.fixture(scope="session")
def busybox_image(request: pytest.FixtureRequest, cluster: Cluster) -> str:
    """The busybox image, built locally and imported into the cluster's node."""
    show = progress_printer(request.config)
    build_local_image(connect_docker(), FIXTURES / "images" / "busybox", BUSYBOX_IMAGE, show)
    cluster.import_images([BUSYBOX_IMAGE])
    return BUSYBOX_IMAGE


@dataclass(frozen=True)
class WebApp:
    namespace: str
    cluster_ip: str
    node_port: int
    client_pod: str


def _has_ready_endpoint(api: k8s.ApiClient, namespace: str) -> Observation:
    endpoints = k8s.CoreV1Api(api).read_namespaced_endpoints("web", namespace)
    addresses = [a.ip for s in endpoints.subsets or [] for a in s.addresses or []]
    return Observation(bool(addresses), f"endpoints of web: {addresses or 'none ready'}")


@pytest.fixture(scope="session")
def web_app(
    request: pytest.FixtureRequest, kube_api: k8s.ApiClient, busybox_image: str
) -> Iterator[WebApp]:
    """fixtures/workloads/web.yaml deployed in a namespace of its own, serving."""
    identity = request.config.stash[run_identity_key]
    with labelled_namespace(kube_api, identity, "web") as namespace:
        k8s_utils.create_from_yaml(
            kube_api, str(FIXTURES / "workloads" / "web.yaml"), namespace=namespace
        )
        wait_pod_running(kube_api, namespace, "client")
        wait_for(
            lambda: _has_ready_endpoint(kube_api, namespace),
            awaiting=f"a ready endpoint behind Service {namespace}/web",
            timeout_s=90,
        )
        service = k8s.CoreV1Api(kube_api).read_namespaced_service("web", namespace)
        assert service.spec is not None
        yield WebApp(namespace, str(service.spec.cluster_ip), 30007, "client")
