"""The Grafana checks against a FAKE Grafana (fixtures/components/fake-grafana: Grafana's image
cannot be had here), which sits in front of the stack's real Prometheus and does the datasource
work for real. Everything else is real: the cluster, the Prometheus it queries, the Secret the
credentials come from, and kubectl port-forward on 127.0.0.1. Each check passes on the healthy
fake and turns red, saying why, on the broken one (failing database, a datasource on a wrong
port) or with a wrong password."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from component_stacks import provisioned_components
from kubernetes import client as k8s

from homelab_acceptance.checks.grafana_checks import (
    check_datasources_healthy,
    check_grafana_healthy,
    check_query_through_grafana,
)
from homelab_acceptance.cluster import Cluster
from homelab_acceptance.errors import ClusterError, ConfigurationError, WaitTimeout
from homelab_acceptance.probes.grafana import Grafana
from homelab_acceptance.probes.grafana_login import grafana_credentials
from homelab_acceptance.probes.port_forward import port_forward
from homelab_acceptance.spec import Component, Image, SecretRef, ServiceRef

ROOT = Path(__file__).parents[2]
STACK = ROOT / "stack"
ADMIN_SECRET = SecretRef("grafana", "grafana-admin")
#: The red cases need not wait the checks' full deadline: what they see does not change.
RED_TIMEOUT_S = 6


@pytest.fixture(scope="module")
def fake_grafana_stack(request: pytest.FixtureRequest, cluster: Cluster) -> Iterator[None]:
    """The stack's Prometheus (helm) and the two fake Grafanas (manifests), settled."""
    prometheus_images = (
        Image("homelab-acceptance/prometheus:3.16.0", STACK / "images" / "prometheus"),
    )
    sample_app = Image("homelab-acceptance/sample-app:1.0.0", STACK / "images" / "sample-app")
    components = (
        Component(
            name="prometheus", provisioner="helm", source=STACK / "charts" / "prometheus",
            namespace="prometheus", values=(STACK / "values" / "prometheus.yaml",),
            images=prometheus_images, settle_timeout_s=180,
        ),
        Component(
            name="fake-grafana", provisioner="manifests",
            source=ROOT / "fixtures" / "components" / "fake-grafana", namespace="grafana",
            images=(sample_app,), settle_timeout_s=120,
        ),
    )  # fmt: skip
    with provisioned_components(
        request, cluster, ROOT / "fixtures" / "components" / "fake-grafana", *components
    ):
        yield


def fake(cluster: Cluster, name: str, credentials: tuple[str, str] | None) -> Iterator[Grafana]:
    with port_forward(cluster.kubeconfig_path, ServiceRef("grafana", name, 80)) as url:
        yield Grafana(url, credentials)


@pytest.fixture(scope="module")
def credentials(fake_grafana_stack: None, kube_api: k8s.ApiClient) -> tuple[str, str]:
    return grafana_credentials(kube_api, ADMIN_SECRET)


@pytest.fixture(scope="module")
def healthy(cluster: Cluster, credentials: tuple[str, str]) -> Iterator[Grafana]:
    yield from fake(cluster, "grafana", credentials)


@pytest.fixture(scope="module")
def broken(cluster: Cluster, credentials: tuple[str, str]) -> Iterator[Grafana]:
    yield from fake(cluster, "grafana-broken", credentials)


def test_credentials_come_from_the_declared_secret(credentials: tuple[str, str]) -> None:
    assert credentials == ("admin", "fake-grafana-password-4c1e9b")


def test_a_missing_secret_is_one_line_naming_it(
    fake_grafana_stack: None, kube_api: k8s.ApiClient
) -> None:
    with pytest.raises(ConfigurationError, match=r"Secret grafana/nope cannot be read \(HTTP 404"):
        grafana_credentials(kube_api, SecretRef("grafana", "nope"))


def test_the_forward_listens_on_loopback_only(healthy: Grafana) -> None:
    assert healthy.base_url.startswith("http://127.0.0.1:")
    assert requests.get(f"{healthy.base_url}/api/health", timeout=5).status_code == 200


def test_a_forward_to_a_missing_service_is_one_line(
    fake_grafana_stack: None, cluster: Cluster
) -> None:
    with (
        pytest.raises(ClusterError, match=r"grafana/absent:80: .*not found"),
        port_forward(cluster.kubeconfig_path, ServiceRef("grafana", "absent", 80)),
    ):
        pytest.fail("a forward to a Service that does not exist was set up")


def test_healthy_grafana_passes_every_check(healthy: Grafana) -> None:
    evidence: dict[str, Any] = {}
    check_grafana_healthy(healthy, evidence)
    check_datasources_healthy(healthy, evidence)
    check_query_through_grafana(healthy, evidence)
    assert evidence["health"] == {"Prometheus": "OK: Successfully queried the Prometheus API."}
    assert evidence["answers"]["Prometheus"].split()[0].isdigit()


def test_a_failing_database_turns_the_health_check_red(broken: Grafana) -> None:
    with pytest.raises(WaitTimeout, match="HTTP 503, database 'failing'"):
        check_grafana_healthy(broken, {}, timeout_s=RED_TIMEOUT_S)


def test_a_datasource_on_a_wrong_port_is_named(broken: Grafana) -> None:
    evidence: dict[str, Any] = {}
    with pytest.raises(WaitTimeout, match=r"Prometheus \(wrong port\): ERROR: prometheus: "):
        check_datasources_healthy(broken, evidence, timeout_s=RED_TIMEOUT_S)
    assert evidence["health"]["Prometheus"].startswith("OK")


def test_a_query_through_a_broken_datasource_is_named(broken: Grafana) -> None:
    with pytest.raises(WaitTimeout, match=r"Prometheus \(wrong port\): HTTP 400: "):
        check_query_through_grafana(broken, {}, timeout_s=RED_TIMEOUT_S)


def test_a_wrong_password_is_refused_and_named(cluster: Cluster, healthy: Grafana) -> None:
    wrong = Grafana(healthy.base_url, ("admin", "not-the-password"))
    check_grafana_healthy(wrong, {})  # /api/health needs no login
    with pytest.raises(AssertionError, match="refused the credentials \\(HTTP 401\\)"):
        check_datasources_healthy(wrong, {}, timeout_s=RED_TIMEOUT_S)
