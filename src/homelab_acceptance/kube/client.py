"""Kubernetes API clients for a cluster's kubeconfig, and the raw GETs the typed API lacks."""

from __future__ import annotations

from pathlib import Path

from kubernetes import client as k8s
from kubernetes import config as k8s_config


def api_client_for(kubeconfig: Path, *, retries: int | None = None) -> k8s.ApiClient:
    """A client for the current context of `kubeconfig` (the process's default is untouched).
    `retries=0` for callers that poll with a deadline themselves: urllib3's own retries would
    only add warnings and delay."""
    configuration = k8s.Configuration()
    k8s_config.load_kube_config(  # type: ignore[no-untyped-call]
        config_file=str(kubeconfig), client_configuration=configuration, persist_config=False
    )
    if retries is not None:
        configuration.retries = retries
    return k8s.ApiClient(configuration)


def raw_get(api: k8s.ApiClient, path: str, timeout_s: float = 10.0) -> tuple[int, str]:
    """GET an API server path (e.g. /readyz, a service or node proxy path): status and body."""
    response = api.call_api("GET", f"{api.configuration.host}{path}", _request_timeout=timeout_s)
    body: bytes = response.read() or b""  # type: ignore[no-untyped-call]
    return int(response.status), body.decode(errors="replace")
