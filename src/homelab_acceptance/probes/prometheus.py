"""A thin Prometheus HTTP API client over the service proxy (see shared observability notes:
the envelope `{status, data, errorType, error}`, sample values as strings)."""

from __future__ import annotations

from typing import Any

import yaml

from homelab_acceptance.probes.service_proxy import ServiceHTTPError, ServiceProxy


class PrometheusQueryError(Exception):
    """Prometheus refused a query (bad PromQL, execution error): its own errorType and error."""


class Prometheus:
    def __init__(self, http: ServiceProxy) -> None:
        self.http = http

    def ready(self) -> tuple[bool, str]:
        status, body = self.http.get("/-/ready")
        return status == 200, f"HTTP {status}: {' '.join(body.split())[:120]}"

    def data(self, path: str, params: dict[str, str] | None = None) -> Any:
        """The `data` of an API answer; PrometheusQueryError for an error envelope."""
        try:
            envelope = self.http.get_json(path, params)
        except ServiceHTTPError as error:
            raise PrometheusQueryError(str(error)) from None
        if envelope.get("status") != "success":
            raise PrometheusQueryError(
                f"{envelope.get('errorType', '?')}: {envelope.get('error', '?')}"
            )
        return envelope["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """An instant query's vector: `[{"metric": {...}, "value": [ts, "v"]}]`."""
        data = self.data("/api/v1/query", {"query": expr})
        if data.get("resultType") != "vector":
            raise PrometheusQueryError(f"{expr!r} gave a {data.get('resultType')}, not a vector")
        result: list[dict[str, Any]] = data["result"]
        return result

    def targets(self) -> list[dict[str, Any]]:
        active: list[dict[str, Any]] = self.data("/api/v1/targets", {"state": "active"})[
            "activeTargets"
        ]
        return active

    def loaded_config(self) -> dict[str, Any]:
        """The configuration Prometheus runs with (/api/v1/status/config), parsed."""
        config: dict[str, Any] = yaml.safe_load(self.data("/api/v1/status/config")["yaml"]) or {}
        return config

    def scrape_jobs(self) -> list[str]:
        """The job names of the loaded configuration's scrape_configs."""
        return [str(job["job_name"]) for job in self.loaded_config().get("scrape_configs") or []]

    def rule_groups(self) -> list[dict[str, Any]]:
        groups: list[dict[str, Any]] = self.data("/api/v1/rules")["groups"]
        return groups

    def parse_query(self, expr: str) -> dict[str, Any]:
        """The expression's syntax tree as Prometheus parses it (/api/v1/parse_query, 2.43+)."""
        tree: dict[str, Any] = self.data("/api/v1/parse_query", {"query": expr})
        return tree

    def series(self, selector: str, limit: int = 200) -> list[dict[str, str]]:
        """The label sets of the series `selector` matches (the last 5 minutes' head)."""
        found: list[dict[str, str]] = self.data(
            "/api/v1/series", {"match[]": selector, "limit": str(limit)}
        )
        return found

    def alerts(self) -> list[dict[str, Any]]:
        alerts: list[dict[str, Any]] = self.data("/api/v1/alerts")["alerts"]
        return alerts


def sample_value(sample: dict[str, Any]) -> float:
    """The float of a vector sample (Prometheus sends values as strings, "NaN" included)."""
    return float(sample["value"][1])


def series_name(sample: dict[str, Any]) -> str:
    labels = dict(sample.get("metric") or {})
    name = labels.pop("__name__", "")
    inner = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    return f"{name}{{{inner}}}"
