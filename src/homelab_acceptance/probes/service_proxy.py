"""HTTP to a Service through the API server's service proxy:
`/api/v1/namespaces/NS/services/NAME:PORT/proxy/PATH`. The request leaves from the API server,
so it reaches ClusterIP-only Services on any provider with the kubeconfig's own credentials."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import urllib3
from kubernetes import client as k8s

from homelab_acceptance.kube.client import raw_get
from homelab_acceptance.spec import ServiceRef


class ServiceHTTPError(Exception):
    """A Service answered with an unexpected status, or not with JSON where JSON was due."""


class ServiceProxy:
    def __init__(self, api: k8s.ApiClient, service: ServiceRef) -> None:
        self.api = api
        self.service = service

    def path_for(self, path: str, params: dict[str, str] | None = None) -> str:
        ref = self.service
        query = f"?{urlencode(params)}" if params else ""
        return (
            f"/api/v1/namespaces/{ref.namespace}/services/{ref.name}:{ref.port}/proxy{path}{query}"
        )

    def get(
        self, path: str, params: dict[str, str] | None = None, timeout_s: float = 10
    ) -> tuple[int, str]:
        """Status and body of GET `path` on the Service; ServiceHTTPError (one line) when the
        API server does not answer at all (a node restarting drops the connection)."""
        try:
            return raw_get(self.api, self.path_for(path, params), timeout_s)
        except (urllib3.exceptions.HTTPError, OSError) as error:
            reason = " ".join(str(getattr(error, "reason", None) or error).split())[:160]
            raise ServiceHTTPError(
                f"{self.service}{path}: no answer from the API server ({type(error).__name__}: "
                f"{reason})"
            ) from None

    def get_json(self, path: str, params: dict[str, str] | None = None) -> Any:
        """The JSON body of a 200 answer; ServiceHTTPError with status and a short body else."""
        status, body = self.get(path, params)
        if status != 200:
            raise ServiceHTTPError(f"{self.service}{path}: HTTP {status}: {_short(body)}")
        try:
            return json.loads(body)
        except ValueError:
            raise ServiceHTTPError(f"{self.service}{path}: not JSON: {_short(body)}") from None


def _short(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
