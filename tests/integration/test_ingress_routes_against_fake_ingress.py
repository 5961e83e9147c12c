"""The ingress check against a FAKE ingress controller (fixtures/components/fake-ingress: K3S's
Traefik cannot be had here) that routes by the cluster's real Ingress objects, as Traefik does,
on NodePort 30031. The cluster, the Ingresses, the web server behind them and the host's
requests are real. A route that answers passes; one whose backend port the Service lacks (the
controller drops it: 404), one on a host the controller does not serve (404) and one whose
probe path is missing are named."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from component_stacks import provisioned_components
from kubernetes import client as k8s

from homelab_acceptance.checks.ingress_routes import (
    EXPECT_STATUS,
    PROBE_PATH,
    check_ingress_routes,
    declared_routes,
)
from homelab_acceptance.cluster import Cluster
from homelab_acceptance.errors import WaitTimeout
from homelab_acceptance.spec import Component, Image

ROOT = Path(__file__).parents[2]
COMPONENTS = ROOT / "fixtures" / "components"
SAMPLE_APP = Image("homelab-acceptance/sample-app:1.0.0", ROOT / "stack" / "images" / "sample-app")
WEB_NAMESPACE = "routed-web"
RED_TIMEOUT_S = 6


@pytest.fixture(scope="module")
def entrance(
    request: pytest.FixtureRequest, cluster: Cluster, busybox_image: str
) -> Iterator[tuple[str, int]]:
    """The fake controller (namespace ingress) and a web server (namespace routed-web),
    settled; the controller's NodePort as the host reaches it."""
    components = (
        Component(
            name="fake-ingress", provisioner="manifests", source=COMPONENTS / "fake-ingress",
            namespace="ingress", images=(SAMPLE_APP,), settle_timeout_s=120,
        ),
        Component(
            name="web", provisioner="manifests", source=COMPONENTS / "web",
            namespace=WEB_NAMESPACE, settle_timeout_s=120,
        ),
    )  # fmt: skip
    with provisioned_components(request, cluster, COMPONENTS / "fake-ingress", *components):
        yield cluster.node_port_address(30031)


@pytest.fixture
def ingress(kube_api: k8s.ApiClient) -> Iterator[Callable[..., None]]:
    """Creates Ingresses in the web's namespace; removes them after the test."""
    networking = k8s.NetworkingV1Api(kube_api)
    made: list[str] = []

    def make(name: str, host: str, port: int, annotations: dict[str, str] | None = None) -> None:
        backend = {"service": {"name": "web", "port": {"number": port}}}
        body = {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": name, "annotations": annotations or {}},
            "spec": {
                "rules": [
                    {
                        "host": host,
                        "http": {
                            "paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]
                        },
                    }
                ]
            },
        }
        networking.create_namespaced_ingress(WEB_NAMESPACE, body)
        made.append(name)

    yield make
    for name in made:
        networking.delete_namespaced_ingress(name, WEB_NAMESPACE)


def test_a_route_to_a_live_backend_answers(
    entrance: tuple[str, int], ingress: Callable[..., None], kube_api: k8s.ApiClient
) -> None:
    ingress("web", "web.homelab.test", 80)
    routes = declared_routes(kube_api, [WEB_NAMESPACE])
    assert [str(r) for r in routes] == ["web.homelab.test/ (routed-web/web → web:80)"]
    evidence: dict[str, Any] = {}
    check_ingress_routes(entrance, routes, evidence)
    assert evidence["routes"] == {
        "web.homelab.test/ (routed-web/web → web:80)": (
            "HTTP 200: hello from a provisioned component"
        )
    }


def test_a_route_to_a_wrong_backend_port_is_named(
    entrance: tuple[str, int], ingress: Callable[..., None], kube_api: k8s.ApiClient
) -> None:
    ingress("web", "web.homelab.test", 80)
    ingress("wrong-port", "wrong-port.homelab.test", 81)
    routes = declared_routes(kube_api, [WEB_NAMESPACE])
    with pytest.raises(
        WaitTimeout, match=r"wrong-port\.homelab\.test/ .*web:81\): HTTP 404: 404 page not found"
    ) as red:
        check_ingress_routes(entrance, routes, {}, timeout_s=RED_TIMEOUT_S)
    assert "web.homelab.test/ (" not in str(red.value).replace("wrong-port.homelab", "")


def test_a_route_the_controller_does_not_serve_is_named(
    entrance: tuple[str, int], kube_api: k8s.ApiClient, ingress: Callable[..., None]
) -> None:
    ingress("web", "web.homelab.test", 80)
    routes = declared_routes(kube_api, [WEB_NAMESPACE])
    elsewhere = [type(r)(r.ingress, "other.homelab.test", r.path, r.backend, None) for r in routes]
    with pytest.raises(WaitTimeout, match=r"other\.homelab\.test/ .*HTTP 404: 404 page not found"):
        check_ingress_routes(entrance, elsewhere, {}, timeout_s=RED_TIMEOUT_S)


def test_a_route_is_probed_where_its_annotations_say(
    entrance: tuple[str, int], ingress: Callable[..., None], kube_api: k8s.ApiClient
) -> None:
    ingress("web", "web.homelab.test", 80, {PROBE_PATH: "/missing", EXPECT_STATUS: "200"})
    routes = declared_routes(kube_api, [WEB_NAMESPACE])
    assert (routes[0].path, routes[0].expect_status) == ("/missing", 200)
    with pytest.raises(WaitTimeout, match=r"web\.homelab\.test/missing .*HTTP 404"):
        check_ingress_routes(entrance, routes, {}, timeout_s=RED_TIMEOUT_S)
