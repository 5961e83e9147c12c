"""What the alert round trip concludes from Alertmanager's and the sink's answers: an alert
routed to another receiver than the declared one, or held back by an inhibition, is a failure
at once (Alertmanager's routing is its final word, no need to wait out a deadline); a
notification counts only for the alert, the status and the receiver awaited."""

from __future__ import annotations

from typing import Any

from homelab_acceptance.checks.alerts import in_alertmanager, notified
from homelab_acceptance.probes.alertmanager import Alertmanager
from homelab_acceptance.probes.notification_sink import Notification, NotificationSink


class FakeAlertmanager(Alertmanager):
    def __init__(self, held: list[dict[str, Any]]) -> None:
        self.held = held

    def alerts(self, alertname: str) -> list[dict[str, Any]]:
        return self.held


class FakeSink(NotificationSink):
    def __init__(self, arrived: list[Notification]) -> None:
        self.arrived = arrived

    def notifications(self, since: float = 0.0) -> list[Notification]:
        return [n for n in self.arrived if n.received_at >= since]


def held(receivers: list[str], **status: Any) -> dict[str, Any]:
    return {
        "labels": {"alertname": "Down"},
        "receivers": [{"name": name} for name in receivers],
        "status": {"state": "active", "inhibitedBy": [], "silencedBy": [], **status},
    }


def notification(at: float, status: str, receiver: str = "pager") -> Notification:
    alerts = [{"status": status, "labels": {"alertname": "Down"}}]
    return Notification(at, {"receiver": receiver, "status": status, "alerts": alerts})


def test_routed_to_the_declared_receiver_passes() -> None:
    seen = in_alertmanager(FakeAlertmanager([held(["pager"])]), "Down", "pager")
    assert seen.satisfied
    assert "routed to ['pager']" in seen.seen


def test_routed_elsewhere_is_hopeless_at_once_and_names_the_receivers() -> None:
    seen = in_alertmanager(FakeAlertmanager([held(["null"])]), "Down", "pager")
    assert not seen.satisfied
    assert seen.hopeless
    assert "routed to ['null']; the routing tree does not send it to pager" in seen.seen


def test_an_inhibited_alert_is_hopeless_and_names_what_inhibits_it() -> None:
    inhibited = held(["pager"], state="suppressed", inhibitedBy=["fp-123"])
    seen = in_alertmanager(FakeAlertmanager([inhibited]), "Down", "pager")
    assert seen.hopeless
    assert "inhibited by ['fp-123']" in seen.seen


def test_not_yet_in_alertmanager_is_waited_for() -> None:
    seen = in_alertmanager(FakeAlertmanager([]), "Down", "pager")
    assert not seen.satisfied
    assert not seen.hopeless


def test_only_a_notification_of_the_awaited_status_and_receiver_since_then_counts() -> None:
    sink = FakeSink(
        [
            notification(90.0, "firing"),  # before `since`: an earlier round trip's
            notification(101.0, "firing", receiver="other"),
            notification(102.0, "resolved"),
        ]
    )
    firing = notified(sink, "Down", "firing", "pager", since=100.0)
    assert not firing.satisfied
    assert "the sink received 2 since" in firing.seen
    assert "other: firing ['Down']" in firing.seen
    assert notified(sink, "Down", "resolved", "pager", since=100.0).satisfied
    assert notified(sink, "Down", "firing", None, since=100.0).satisfied
