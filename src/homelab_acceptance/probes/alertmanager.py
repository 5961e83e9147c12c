"""A thin Alertmanager API v2 client over the service proxy."""

from __future__ import annotations

from typing import Any

import yaml

from homelab_acceptance.probes.service_proxy import ServiceProxy


class Alertmanager:
    def __init__(self, http: ServiceProxy) -> None:
        self.http = http

    def alerts(self, alertname: str) -> list[dict[str, Any]]:
        """The alerts named `alertname` Alertmanager holds (active, silenced or inhibited)."""
        found: list[dict[str, Any]] = self.http.get_json(
            "/api/v2/alerts", {"filter": f'alertname="{alertname}"'}
        )
        return found

    def active_alerts(self) -> list[dict[str, Any]]:
        """Every alert Alertmanager holds as active: neither silenced nor inhibited."""
        found: list[dict[str, Any]] = self.http.get_json(
            "/api/v2/alerts", {"active": "true", "silenced": "false", "inhibited": "false"}
        )
        return found

    def loaded_config(self) -> dict[str, Any]:
        """The configuration Alertmanager runs with (/api/v2/status, config.original), parsed."""
        status = self.http.get_json("/api/v2/status")
        config: dict[str, Any] = yaml.safe_load(status["config"]["original"]) or {}
        return config
