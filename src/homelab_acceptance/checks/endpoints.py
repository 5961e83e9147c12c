"""Whether a declared endpoint answers as declared (status, body fragment): from inside the
cluster (the probe pod fetches it by its cluster DNS name, so DNS, the Service's ClusterIP
and kube-proxy are exercised too) and from the host (its NodePort on 127.0.0.1)."""

from __future__ import annotations

import re
from typing import Any

import requests
from kubernetes import client as k8s

from homelab_acceptance.cluster.contract import Cluster
from homelab_acceptance.kube.pods import exec_in_pod
from homelab_acceptance.spec import Component, Endpoint
from homelab_acceptance.waiting import Observation, wait_for

_STATUS_LINE = re.compile(r"HTTP/1\.[01] (\d{3})")


def in_cluster_url(component: Component, endpoint: Endpoint) -> str:
    host = f"{endpoint.service}.{component.namespace}.svc.cluster.local"
    return f"http://{host}:{endpoint.port}{endpoint.path}"


def judge(endpoint: Endpoint, status: int | None, body: str) -> Observation:
    """Whether an answer is the declared one; what was seen, in one line."""
    seen = f"HTTP {status if status is not None else 'none'}: {' '.join(body.split())[:160]}"
    if status != endpoint.status:
        return Observation(False, f"expected HTTP {endpoint.status}, got {seen}")
    if endpoint.body is not None and endpoint.body not in body:
        return Observation(False, f"body lacks {endpoint.body!r}: {seen}")
    return Observation(True, seen)


def fetch_in_cluster(
    api: k8s.ApiClient, probe: tuple[str, str], url: str
) -> tuple[int | None, str]:
    """GET `url` from the probe pod (namespace, name) with busybox wget: status and body.
    No `-T`: Debian's static busybox wget crashes with it (SIGSEGV); the exec's own timeout
    bounds the request instead."""
    namespace, pod = probe
    _, output = exec_in_pod(api, namespace, pod, ["wget", "-S", "-O", "-", url], timeout_s=15)
    return status_in_wget_output(output), output


def status_in_wget_output(output: str) -> int | None:
    """The last HTTP status line busybox `wget -S` printed (after redirects), if any."""
    statuses = _STATUS_LINE.findall(output)
    return int(statuses[-1]) if statuses else None


def check_in_cluster(
    api: k8s.ApiClient,
    probe: tuple[str, str],
    component: Component,
    endpoint: Endpoint,
    evidence: dict[str, Any],
    *,
    timeout_s: float = 30,
) -> None:
    url = in_cluster_url(component, endpoint)
    evidence["in_cluster_url"] = url

    def look() -> Observation:
        status, body = fetch_in_cluster(api, probe, url)
        verdict = judge(endpoint, status, body)
        evidence["in_cluster_answer"] = verdict.seen
        return verdict

    wait_for(look, awaiting=f"{url} from inside the cluster", timeout_s=timeout_s, poll_s=1)


def check_from_host(
    cluster: Cluster, endpoint: Endpoint, evidence: dict[str, Any], timeout_s: float = 30
) -> None:
    assert endpoint.node_port is not None
    host, port = cluster.node_port_address(endpoint.node_port)
    url = f"http://{host}:{port}{endpoint.path}"
    evidence["host_url"] = url

    def look() -> Observation:
        try:
            response = requests.get(url, timeout=5)
        except requests.RequestException as error:
            return Observation(False, f"{type(error).__name__}: {error}")
        verdict = judge(endpoint, response.status_code, response.text)
        evidence["host_answer"] = verdict.seen
        return verdict

    wait_for(look, awaiting=f"{url} from the host", timeout_s=timeout_s, poll_s=1)
