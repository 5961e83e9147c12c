"""A webhook sink's record of the notifications Alertmanager delivered to it (the contract of
observability.notifications: GET /notifications answers [{"received_at", "payload"}, ...]),
over the service proxy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homelab_acceptance.probes.service_proxy import ServiceProxy


@dataclass(frozen=True)
class Notification:
    received_at: float
    #: Alertmanager's webhook payload: receiver, status, alerts[] with labels and status.
    payload: dict[str, Any]

    @property
    def receiver(self) -> str:
        return str(self.payload.get("receiver", "?"))

    def status_of(self, alertname: str) -> str | None:
        """The named alert's status in this notification (firing, resolved), None if absent."""
        for alert in self.payload.get("alerts", []):
            if alert.get("labels", {}).get("alertname") == alertname:
                return str(alert.get("status"))
        return None

    def summary(self) -> str:
        names = sorted({str(a.get("labels", {}).get("alertname")) for a in self.alerts()})
        return f"{self.receiver}: {self.payload.get('status')} {names}"

    def alerts(self) -> list[dict[str, Any]]:
        alerts: list[dict[str, Any]] = self.payload.get("alerts", [])
        return alerts


class NotificationSink:
    def __init__(self, http: ServiceProxy) -> None:
        self.http = http

    def notifications(self, since: float = 0.0) -> list[Notification]:
        """What arrived at or after `since` (the sink's clock, UNIX seconds), oldest first."""
        listed: list[dict[str, Any]] = self.http.get_json("/notifications")
        return [
            Notification(float(entry["received_at"]), entry.get("payload") or {})
            for entry in listed
            if float(entry.get("received_at", 0)) >= since
        ]
