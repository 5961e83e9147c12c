"""The stack's Ingress routes answer through the cluster's ingress controller (Traefik on K3S):
for every rule of every Ingress in the stack's namespaces, a GET of its path with its Host from
the host's side of the controller's published port.

An Ingress may say how its route is probed: annotation `homelab-acceptance/probe-path` (default:
the rule's path) and `homelab-acceptance/expect-status` (default: any status below 400)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import requests
from kubernetes import client as k8s

from homelab_acceptance.errors import ClusterError
from homelab_acceptance.kube.client import raw_get
from homelab_acceptance.waiting import Observation, wait_for

PROBE_PATH = "homelab-acceptance/probe-path"
EXPECT_STATUS = "homelab-acceptance/expect-status"
#: A route appears a moment after its Ingress (the controller's watch and its backend's readiness).
ROUTES_TIMEOUT_S = 60


@dataclass(frozen=True)
class IngressRoute:
    ingress: str
    host: str | None
    path: str
    backend: str
    expect_status: int | None

    def __str__(self) -> str:
        return f"{self.host or '*'}{self.path} ({self.ingress} → {self.backend})"


def declared_routes(api: k8s.ApiClient, namespaces: Iterable[str]) -> list[IngressRoute]:
    routes = []
    for namespace in sorted(set(namespaces)):
        status, body = raw_get(api, f"/apis/networking.k8s.io/v1/namespaces/{namespace}/ingresses")
        if status != 200:
            raise ClusterError(f"listing the Ingresses of namespace {namespace}: HTTP {status}")
        for ingress in json.loads(body)["items"]:
            routes.extend(_routes_of(ingress))
    return routes


def _routes_of(ingress: dict[str, Any]) -> list[IngressRoute]:
    meta = ingress["metadata"]
    annotations = meta.get("annotations") or {}
    expected = annotations.get(EXPECT_STATUS)
    routes = []
    for rule in ingress["spec"].get("rules") or []:
        for path in (rule.get("http") or {}).get("paths", []):
            service = path["backend"]["service"]
            port = service["port"].get("number") or service["port"].get("name")
            routes.append(
                IngressRoute(
                    ingress=f"{meta['namespace']}/{meta['name']}",
                    host=rule.get("host"),
                    path=annotations.get(PROBE_PATH, path.get("path") or "/"),
                    backend=f"{service['name']}:{port}",
                    expect_status=int(expected) if expected else None,
                )
            )
    return routes


def route_answer(entrance: tuple[str, int], route: IngressRoute) -> Observation:
    address, port = entrance
    answer = requests.get(
        f"http://{address}:{port}{route.path}",
        headers={"Host": route.host} if route.host else {},
        timeout=5,
        allow_redirects=False,
    )
    ok = (
        answer.status_code == route.expect_status
        if route.expect_status is not None
        else answer.status_code < 400
    )
    return Observation(ok, f"HTTP {answer.status_code}: {' '.join(answer.text.split())[:80]}")


def check_ingress_routes(
    entrance: tuple[str, int],
    routes: list[IngressRoute],
    evidence: dict[str, Any],
    timeout_s: float = ROUTES_TIMEOUT_S,
) -> None:
    evidence["entrance"] = f"{entrance[0]}:{entrance[1]}"
    answers: dict[str, str] = {}
    evidence["routes"] = answers

    def look() -> Observation:
        failing = []
        for route in routes:
            try:
                seen = route_answer(entrance, route)
            except requests.RequestException as error:
                seen = Observation(False, f"{type(error).__name__}: {error}")
            answers[str(route)] = seen.seen
            if not seen.satisfied:
                failing.append(f"{route}: {seen.seen}")
        return Observation(not failing, "; ".join(failing) or "every route answered")

    wait_for(look, awaiting="every Ingress route to answer", timeout_s=timeout_s)
