"""Kubernetes API clients for a cluster's kubeconfig, and the raw GETs the typed API lacks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kubernetes import client as k8s
from kubernetes import config as k8s_config


def api_client_for(
    kubeconfig: Path, *, retries: int | None = None, request_timeout_s: float | None = None
) -> k8s.ApiClient:
    """A client for the current context of `kubeconfig` (the process's default is untouched).
    `retries=0` for callers that poll with a deadline themselves: urllib3's own retries would
    only add warnings and delay. `request_timeout_s`: every call that names no timeout of its
    own gets this one (the client's default is to wait for ever on an API server that
    accepted the connection and went quiet)."""
    configuration = k8s.Configuration()
    k8s_config.load_kube_config(  # type: ignore[no-untyped-call]
        config_file=str(kubeconfig), client_configuration=configuration, persist_config=False
    )
    if retries is not None:
        configuration.retries = retries
    if request_timeout_s is not None:
        return _ApiClientWithTimeout(configuration, request_timeout_s)
    return k8s.ApiClient(configuration)


class _ApiClientWithTimeout(k8s.ApiClient):
    def __init__(self, configuration: k8s.Configuration, timeout_s: float) -> None:
        super().__init__(configuration)
        self._timeout_s = timeout_s

    def call_api(self, *args: Any, **kwargs: Any) -> Any:
        # The generated API methods pass _request_timeout=None when the caller gave none.
        if len(args) < 6 and kwargs.get("_request_timeout") is None:
            kwargs["_request_timeout"] = self._timeout_s
        return super().call_api(*args, **kwargs)


def raw_get(api: k8s.ApiClient, path: str, timeout_s: float = 10.0) -> tuple[int, str]:
    """GET an API server path (e.g. /readyz, a service or node proxy path): status and body."""
    response = api.call_api("GET", f"{api.configuration.host}{path}", _request_timeout=timeout_s)
    body: bytes = response.read() or b""  # type: ignore[no-untyped-call]
    return int(response.status), body.decode(errors="replace")
