"""Logs, end to end: a line no one has written before, written now by a pod to its own
stdout, comes back from Loki for a LogQL query on that pod's labels (namespace and pod, the
labels Promtail's and Grafana Alloy's Kubernetes configs give every stream)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from kubernetes import client as k8s

from homelab_acceptance.checks.logs import check_log_line
from homelab_acceptance.errors import ClusterError
from homelab_acceptance.kube.pods import exec_in_pod
from homelab_acceptance.probes.service_proxy import ServiceProxy
from homelab_acceptance.spec import LogLine

#: Agents batch and ship within seconds; Loki makes a line queryable as soon as it is ingested.
LOG_FLOW_TIMEOUT_S = 120


def write_marker(api: k8s.ApiClient, pod: tuple[str, str]) -> str:
    """A unique line written into the pod's log: to PID 1's stdout, which the container
    runtime records, so it is the pod's log and not the exec session's output."""
    namespace, name = pod
    marker = f"homelab-acceptance log marker {uuid.uuid4()}"
    code, output = exec_in_pod(
        api, namespace, name, ["sh", "-c", f"echo '{marker}' > /proc/1/fd/1"]
    )
    if code != 0:
        raise ClusterError(f"writing a log line in pod {namespace}/{name}: exit {code}: {output}")
    return marker


def check_unique_line_reaches_loki(
    api: k8s.ApiClient,
    loki: ServiceProxy,
    pod: tuple[str, str],
    evidence: dict[str, Any],
    timeout_s: float = LOG_FLOW_TIMEOUT_S,
) -> None:
    namespace, name = pod
    marker = write_marker(api, pod)
    evidence["written"] = {"pod": f"{namespace}/{name}", "line": marker}
    selector = f"{{namespace={json.dumps(namespace)}, pod={json.dumps(name)}}}"
    check_log_line(loki, LogLine(selector=selector, contains=marker, within_s=timeout_s), evidence)
