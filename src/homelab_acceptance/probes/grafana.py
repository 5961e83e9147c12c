"""Grafana's HTTP API, as its checks use it (shared/reference/observability.md §3): `/api/health`
(no auth), the datasources and their own health checks, and a query through Grafana's backend
(`POST /api/ds/query`), which proves the datasource path and its credentials, not just that
Grafana is up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

#: Prometheus frames are [time, value] columns; "returns data" means some value column has one.
QUERY_WINDOW = {"from": "now-5m", "to": "now"}


@dataclass(frozen=True)
class GrafanaAnswer:
    status: int
    body: Any

    def short(self) -> str:
        text = str(self.body)
        return text if len(text) <= 200 else text[:199] + "…"


class Grafana:
    def __init__(
        self, base_url: str, credentials: tuple[str, str] | None, timeout_s: float = 10
    ) -> None:
        """`credentials` (user, password) for everything but /api/health; None: anonymous."""
        self.base_url = base_url
        self._auth = credentials
        self.timeout_s = timeout_s

    def health(self) -> GrafanaAnswer:
        return self._call("GET", "/api/health", auth=False)

    def datasources(self) -> GrafanaAnswer:
        return self._call("GET", "/api/datasources")

    def datasource_health(self, uid: str) -> GrafanaAnswer:
        return self._call("GET", f"/api/datasources/uid/{uid}/health")

    def query(self, datasource: dict[str, Any], expr: str) -> GrafanaAnswer:
        body = {
            **QUERY_WINDOW,
            "queries": [
                {
                    "refId": "A",
                    "datasource": {"type": datasource["type"], "uid": datasource["uid"]},
                    "expr": expr,
                    "instant": True,
                    "range": False,
                }
            ],
        }
        return self._call("POST", "/api/ds/query", json=body)

    def _call(
        self, method: str, path: str, *, auth: bool = True, json: Any = None
    ) -> GrafanaAnswer:
        answer = requests.request(
            method, f"{self.base_url}{path}", auth=self._auth if auth else None,
            json=json, timeout=self.timeout_s,
        )  # fmt: skip
        try:
            body: Any = answer.json()
        except ValueError:
            body = answer.text
        return GrafanaAnswer(answer.status_code, body)


def values_in_frames(answer: GrafanaAnswer, ref_id: str = "A") -> list[Any]:
    """Every value of the non-time columns of `ref_id`'s frames."""
    result = (answer.body.get("results") or {}).get(ref_id) or {}
    found: list[Any] = []
    for frame in result.get("frames", []):
        fields = frame.get("schema", {}).get("fields", [])
        columns = frame.get("data", {}).get("values", [])
        for field, column in zip(fields, columns, strict=False):
            if field.get("type") != "time":
                found.extend(column)
    return found


def query_error(answer: GrafanaAnswer, ref_id: str = "A") -> str | None:
    if not isinstance(answer.body, dict):
        return f"HTTP {answer.status}: {answer.short()}"
    result = (answer.body.get("results") or {}).get(ref_id) or {}
    if answer.status != 200 or result.get("error"):
        return f"HTTP {answer.status}: {result.get('error') or answer.short()}"
    return None
