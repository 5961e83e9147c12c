"""A Service reached through an API server that does not answer (a node restarting) is one
named failure, not urllib3's exception escaping from a measurement."""

from __future__ import annotations

import pytest
from kubernetes import client as k8s

from homelab_acceptance.cluster.host_ports import free_port
from homelab_acceptance.probes.prometheus import Prometheus, PrometheusQueryError
from homelab_acceptance.probes.service_proxy import ServiceProxy
from homelab_acceptance.spec import ServiceRef


def test_no_api_server_is_a_prometheus_query_error_naming_the_service() -> None:
    configuration = k8s.Configuration()
    configuration.host = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    configuration.retries = 0
    proxy = ServiceProxy(k8s.ApiClient(configuration), ServiceRef("prometheus", "prometheus", 9090))
    with pytest.raises(PrometheusQueryError) as raised:
        Prometheus(proxy).query("up")
    message = str(raised.value)
    assert message.startswith("prometheus/prometheus:9090/api/v1/query: no answer from the API")
    assert "\n" not in message
