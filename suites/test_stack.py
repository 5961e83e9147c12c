"""The stack spec's declared expectations, one pytest item each (see
homelab_acceptance.pytest_plugin.stack_checks): `-m endpoint`, `-k sample-app/metric`, …"""

import pytest

from homelab_acceptance.pytest_plugin.stack_checks import (  # noqa: F401  (collected by pytest)
    test_alert_fires_reaches_alertmanager_and_resolves,
    test_endpoint_answers_from_the_host,
    test_endpoint_answers_inside_the_cluster,
    test_every_ingress_route_answers,
    test_log_line_reaches_loki,
    test_metric_flows_into_prometheus,
)

pytestmark = pytest.mark.requirement(
    "declared-services-reachable",
    "The stack's declared services answer and their metrics, logs and alerts flow",
)
