"""The checks every stack spec gets: one pytest item per declared expectation (endpoint,
metric, log line, alert), parametrized by the plugin from the spec with readable ids
(`-k sample-app/endpoint`, `-m metric`). Collect them by importing them into a test module
of your suite:

    from homelab_acceptance.pytest_plugin.stack_checks import (  # noqa: F401
        test_alert_fires_reaches_alertmanager_and_resolves,
        test_endpoint_answers_from_the_host,
        test_endpoint_answers_inside_the_cluster,
        test_every_ingress_route_answers,
        test_log_line_reaches_loki,
        test_metric_flows_into_prometheus,
    )
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from kubernetes import client as k8s

from homelab_acceptance.checks.alerts import check_alert_round_trip
from homelab_acceptance.checks.endpoints import check_from_host, check_in_cluster
from homelab_acceptance.checks.expectations import Expectation
from homelab_acceptance.checks.ingress_routes import check_ingress_routes, declared_routes
from homelab_acceptance.checks.logs import check_log_line
from homelab_acceptance.checks.metrics import check_metric
from homelab_acceptance.cluster.contract import Cluster
from homelab_acceptance.probes.alertmanager import Alertmanager
from homelab_acceptance.probes.notification_sink import NotificationSink
from homelab_acceptance.probes.prometheus import Prometheus
from homelab_acceptance.probes.service_proxy import ServiceProxy
from homelab_acceptance.spec import Alert, Endpoint, LogLine, Metric

if TYPE_CHECKING:
    from homelab_acceptance.pytest_plugin.stack_fixtures import ProvisionedStack


def test_endpoint_answers_inside_the_cluster(
    endpoint_expectation: Expectation,
    provisioned_stack: ProvisionedStack,
    kube_api: k8s.ApiClient,
    probe_pod: tuple[str, str],
    evidence: dict[str, Any],
) -> None:
    endpoint = endpoint_expectation.item
    assert isinstance(endpoint, Endpoint)
    check_in_cluster(kube_api, probe_pod, endpoint_expectation.component, endpoint, evidence)


def test_endpoint_answers_from_the_host(
    endpoint_expectation: Expectation,
    provisioned_stack: ProvisionedStack,
    cluster: Cluster,
    evidence: dict[str, Any],
) -> None:
    endpoint = endpoint_expectation.item
    assert isinstance(endpoint, Endpoint)
    if endpoint.node_port is None:
        pytest.skip("not exposed on the host: the endpoint declares no node_port")
    check_from_host(cluster, endpoint, evidence)


def test_every_ingress_route_answers(
    provisioned_stack: ProvisionedStack,
    cluster: Cluster,
    kube_api: k8s.ApiClient,
    evidence: dict[str, Any],
) -> None:
    """Every rule of the stack's Ingresses answers through the cluster's ingress controller."""
    namespaces = [c.namespace for c in provisioned_stack.stack.components]
    routes = declared_routes(kube_api, namespaces)
    if not routes:
        pytest.skip("the stack has no Ingress in its namespaces")
    entrance = cluster.ingress_address()
    if entrance is None:
        pytest.skip(
            f"{len(routes)} Ingress route(s), but this cluster has no ingress controller the "
            "harness can reach (debian:// has no Traefik; k3s:// and k3d:// do)"
        )
    check_ingress_routes(entrance, routes, evidence)


def test_metric_flows_into_prometheus(
    metric_expectation: Expectation, prometheus: Prometheus, evidence: dict[str, Any]
) -> None:
    metric = metric_expectation.item
    assert isinstance(metric, Metric)
    check_metric(prometheus, metric, metric_expectation.component.namespace, evidence)


def test_log_line_reaches_loki(
    log_expectation: Expectation,
    provisioned_stack: ProvisionedStack,
    kube_api: k8s.ApiClient,
    evidence: dict[str, Any],
) -> None:
    line = log_expectation.item
    assert isinstance(line, LogLine)
    loki = provisioned_stack.stack.observability.loki
    if loki is None:
        pytest.fail(
            "the stack declares log lines but no Loki (observability.loki) to find them in",
            pytrace=False,
        )
    check_log_line(ServiceProxy(kube_api, loki), line, evidence)


def test_alert_fires_reaches_alertmanager_and_resolves(
    alert_expectation: Expectation,
    provisioned_stack: ProvisionedStack,
    kube_api: k8s.ApiClient,
    prometheus: Prometheus,
    alertmanager: Alertmanager,
    evidence: dict[str, Any],
) -> None:
    alert = alert_expectation.item
    assert isinstance(alert, Alert)
    component = alert_expectation.component
    provisioner = next(
        p for p in provisioned_stack.lifecycle.provisioners() if p.component == component
    )
    sink_service = provisioned_stack.stack.observability.notifications
    check_alert_round_trip(
        kube_api,
        prometheus,
        alertmanager,
        component=component,
        alert=alert,
        evidence=evidence,
        resettle=provisioner.wait_settled,
        sink=NotificationSink(ServiceProxy(kube_api, sink_service)) if sink_service else None,
    )
