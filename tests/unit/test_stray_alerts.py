"""The stray-alert check's reading of Prometheus's and Alertmanager's answers (their shapes as
the APIs give them); the check against a real Prometheus is in the detection-power test
(variants stray-firing-alert, broken-alert-expression, wrong-scrape-port)."""

from __future__ import annotations

from typing import Any, cast

from homelab_acceptance.checks.stray_alerts import heartbeats_firing, stray_alerts
from homelab_acceptance.probes.alertmanager import Alertmanager
from homelab_acceptance.probes.prometheus import Prometheus

RULES = [
    {
        "name": "homelab",
        "rules": [
            {"type": "alerting", "name": "Watchdog", "query": "vector(1)"},
            {"type": "alerting", "name": "TargetDown", "query": "up\n == 0"},
            {"type": "recording", "name": "job:up:sum", "query": "sum(up)"},
        ],
    }
]


class AnswersOf:
    """Stands in for Prometheus and Alertmanager: the recorded answers of their APIs."""

    def __init__(self, alerts: list[dict[str, Any]], active: list[dict[str, Any]]) -> None:
        self._alerts, self._active = alerts, active

    def rule_groups(self) -> list[dict[str, Any]]:
        return RULES

    def alerts(self) -> list[dict[str, Any]]:
        return self._alerts

    def active_alerts(self) -> list[dict[str, Any]]:
        return self._active


def _prometheus(answers: AnswersOf) -> Prometheus:
    return cast(Prometheus, answers)


def _alertmanager(answers: AnswersOf) -> Alertmanager:
    return cast(Alertmanager, answers)


WATCHDOG = {"labels": {"alertname": "Watchdog"}, "state": "firing", "activeAt": "t0"}
TARGET_DOWN = {
    "labels": {"alertname": "TargetDown", "job": "sample-app", "severity": "warning"},
    "state": "pending",
    "activeAt": "t1",
}


def test_an_alert_pending_while_healthy_is_named_with_its_labels_and_expression() -> None:
    answers = AnswersOf([WATCHDOG, TARGET_DOWN], [{"labels": WATCHDOG["labels"]}])
    found = stray_alerts(_prometheus(answers), _alertmanager(answers), ["Watchdog"])
    assert found == [
        "alert TargetDown pending since t1 {job=sample-app, severity=warning}; expression: up == 0"
    ]


def test_an_alert_only_alertmanager_holds_is_named_too() -> None:
    pushed = {"labels": {"alertname": "BackupFailed", "job": "cron"}, "startsAt": "t2"}
    answers = AnswersOf([WATCHDOG], [{"labels": WATCHDOG["labels"]}, pushed])
    found = stray_alerts(_prometheus(answers), _alertmanager(answers), ["Watchdog"])
    assert found == [
        "alert BackupFailed active in Alertmanager since t2 {job=cron}; "
        "expression: not a rule of the declared Prometheus"
    ]


def test_an_undeclared_watchdog_is_a_stray_alert() -> None:
    answers = AnswersOf([WATCHDOG], [])
    assert stray_alerts(_prometheus(answers), None, []) == [
        "alert Watchdog firing since t0 {}; expression: vector(1)"
    ]


def test_a_declared_heartbeat_must_fire_and_reach_alertmanager() -> None:
    answers = AnswersOf([WATCHDOG], [])
    seen = heartbeats_firing(_prometheus(answers), _alertmanager(answers), ["Watchdog"])
    assert not seen.satisfied
    assert seen.seen == "Watchdog not active in Alertmanager"
    answers = AnswersOf([], [])
    seen = heartbeats_firing(_prometheus(answers), None, ["Heartbeat"])
    assert (
        seen.seen
        == "Heartbeat is no alerting rule of Prometheus; Heartbeat not firing in Prometheus"
    )
