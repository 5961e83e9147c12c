"""The harness's own probe workload, for checks that must not depend on what a stack
declares (the smoke suite): the busybox probe image, and a small web app made from it (a
Deployment, its NodePort Service and a client pod) in a labelled namespace of its own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from importlib import resources

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes import utils as k8s_utils

from homelab_acceptance.cluster import Cluster
from homelab_acceptance.cluster.container_cluster import ContainerCluster
from homelab_acceptance.cluster.node_port_block import DEFAULT_BLOCK
from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.kube.namespaces import labelled_namespace
from homelab_acceptance.kube.pods import wait_pod_running
from homelab_acceptance.kube.services import wait_service_ready
from homelab_acceptance.probe_image import build_probe_image
from homelab_acceptance.pytest_plugin.session_state import progress_printer, run_identity_key
from homelab_acceptance.run_identity import RunIdentity

#: The NodePorts a cluster publishes by default (providers' `nodeports=`): the probe web app
#: takes the highest one of the cluster's block that no Service holds, so that it leaves the
#: low ones a stack usually declares alone.
PUBLISHED_NODE_PORTS = range(DEFAULT_BLOCK[0], DEFAULT_BLOCK[0] + DEFAULT_BLOCK[1])


@pytest.fixture(scope="session")
def built_busybox_image(request: pytest.FixtureRequest) -> str:
    """The busybox probe image, built locally (not yet in any cluster)."""
    show = progress_printer(request.config)
    return build_probe_image(connect_docker(), show)


@pytest.fixture(scope="session")
def busybox_image(cluster: Cluster, built_busybox_image: str) -> str:
    """The busybox probe image, imported into the session's cluster."""
    cluster.import_images([built_busybox_image])
    return built_busybox_image


@dataclass(frozen=True)
class WebApp:
    namespace: str
    cluster_ip: str
    node_port: int
    client_pod: str


def published_node_ports(cluster: Cluster) -> range:
    """The NodePorts the cluster publishes on the host (a node the harness made), else the
    default block."""
    if isinstance(cluster, ContainerCluster):
        first, count = cluster.node_ports
        return range(first, first + count)
    return PUBLISHED_NODE_PORTS


def free_node_port(api: k8s.ApiClient, published: range = PUBLISHED_NODE_PORTS) -> int:
    """The highest published NodePort that no Service of the cluster holds."""
    taken = {
        port.node_port
        for service in k8s.CoreV1Api(api).list_service_for_all_namespaces().items
        for port in (service.spec.ports or [] if service.spec else [])
        if port.node_port
    }
    free = [port for port in published if port not in taken]
    if not free:
        raise RuntimeError(
            f"every published NodePort ({published.start}-{published.stop - 1}) is held by a "
            "Service: none left for the probe web app"
        )
    return free[-1]


def web_app_objects(node_port: int) -> list[dict[str, object]]:
    text = resources.files(__package__).joinpath("workloads_data/web.yaml").read_text()
    objects: list[dict[str, object]] = [o for o in yaml.safe_load_all(text) if o]
    for item in objects:
        if item["kind"] == "Service":
            spec = item["spec"]
            assert isinstance(spec, dict)
            spec["ports"][0]["nodePort"] = node_port
    return objects


@contextmanager
def deployed_web_app(
    api: k8s.ApiClient,
    identity: RunIdentity,
    purpose: str,
    published: range = PUBLISHED_NODE_PORTS,
) -> Iterator[WebApp]:
    """The probe web app in a namespace of its own, serving; removed afterwards."""
    with labelled_namespace(api, identity, purpose) as namespace:
        node_port = free_node_port(api, published)
        k8s_utils.create_from_yaml(
            api, yaml_objects=web_app_objects(node_port), namespace=namespace
        )
        wait_pod_running(api, namespace, "client")
        wait_service_ready(api, namespace, "web")
        service = k8s.CoreV1Api(api).read_namespaced_service("web", namespace)
        assert service.spec is not None
        yield WebApp(namespace, str(service.spec.cluster_ip), node_port, "client")


@pytest.fixture(scope="session")
def deploy_web_app() -> Callable[[k8s.ApiClient, RunIdentity, str], AbstractContextManager[WebApp]]:
    """For tests that run their own cluster: deploy the probe web app into it."""
    return deployed_web_app


@pytest.fixture(scope="session")
def web_app(
    request: pytest.FixtureRequest, cluster: Cluster, kube_api: k8s.ApiClient, busybox_image: str
) -> Iterator[WebApp]:
    """The probe web app on the session's cluster."""
    identity = request.config.stash[run_identity_key]
    with deployed_web_app(kube_api, identity, "web", published_node_ports(cluster)) as app:
        yield app
