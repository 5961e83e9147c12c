"""No alert fires while the stack is healthy. At steady state (every scrape target scraped,
every rule group evaluated afresh since) each alert firing or pending in Prometheus, or active
in Alertmanager, is a finding naming it, its labels and its rule's expression; only the alerts
the stack declares as always firing (observability.always_firing, a Watchdog-style heartbeat)
are allowed, and each of those must be firing (and reach Alertmanager where one is declared).
Pending counts: its expression holds on a healthy stack, and its `for:` only delays the page."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from homelab_acceptance.probes.alertmanager import Alertmanager
from homelab_acceptance.probes.prometheus import Prometheus
from homelab_acceptance.waiting import Observation


def rules_evaluated_afresh(prometheus: Prometheus) -> Callable[[], Observation]:
    """A look satisfied once every rule group has been evaluated again since the first look
    (Prometheus's own lastEvaluation, so no clock is compared with the cluster's)."""
    first = _last_evaluations(prometheus)

    def look() -> Observation:
        now = _last_evaluations(prometheus)
        stale = sorted(name for name, at in now.items() if at == first.get(name))
        if not now:
            return Observation(False, "no rule groups loaded")
        return Observation(
            not stale, f"groups not evaluated again yet: {', '.join(stale)}" if stale else "all"
        )

    return look


def _last_evaluations(prometheus: Prometheus) -> dict[str, str]:
    return {
        f"{g.get('file', '')}:{g.get('name', '')}": str(g.get("lastEvaluation", ""))
        for g in prometheus.rule_groups()
    }


def alert_expressions(prometheus: Prometheus) -> dict[str, str]:
    """Each alerting rule's expression, by alert name."""
    return {
        str(rule.get("name")): " ".join(str(rule.get("query", "")).split())
        for group in prometheus.rule_groups()
        for rule in group.get("rules", [])
        if rule.get("type") == "alerting"
    }


def stray_alerts(
    prometheus: Prometheus, alertmanager: Alertmanager | None, always_firing: Iterable[str]
) -> list[str]:
    """One line per alert firing or pending that the stack does not declare as always firing."""
    allowed = set(always_firing)
    expressions = alert_expressions(prometheus)
    found: list[str] = []
    seen: set[tuple[tuple[str, str], ...]] = set()
    for alert in prometheus.alerts():
        labels = dict(alert.get("labels") or {})
        name = str(labels.get("alertname", "?"))
        seen.add(_identity(labels))
        if name in allowed:
            continue
        expression = expressions.get(name, "(no rule of that name in this Prometheus)")
        found.append(
            f"alert {name} {alert.get('state', '?')} since {alert.get('activeAt', '?')} "
            f"{_labels(labels)}; expression: {expression}"
        )
    for alert in alertmanager.active_alerts() if alertmanager is not None else []:
        labels = dict(alert.get("labels") or {})
        name = str(labels.get("alertname", "?"))
        if name in allowed or _identity(labels) in seen:
            continue
        expression = expressions.get(name, "not a rule of the declared Prometheus")
        found.append(
            f"alert {name} active in Alertmanager since {alert.get('startsAt', '?')} "
            f"{_labels(labels)}; expression: {expression}"
        )
    return found


def heartbeats_firing(
    prometheus: Prometheus, alertmanager: Alertmanager | None, always_firing: Iterable[str]
) -> Observation:
    """Satisfied when every always-firing alert fires in Prometheus and, where Alertmanager is
    declared, is active there."""
    wanted = sorted(set(always_firing))
    firing = {
        str((a.get("labels") or {}).get("alertname"))
        for a in prometheus.alerts()
        if a.get("state") == "firing"
    }
    missing = [f"{name} not firing in Prometheus" for name in wanted if name not in firing]
    if alertmanager is not None:
        active = {
            str((a.get("labels") or {}).get("alertname")) for a in alertmanager.active_alerts()
        }
        missing += [f"{name} not active in Alertmanager" for name in wanted if name not in active]
    expressions = alert_expressions(prometheus)
    unknown = [
        f"{name} is no alerting rule of Prometheus" for name in wanted if name not in expressions
    ]
    return Observation(not missing, "; ".join(unknown + missing) or f"firing: {', '.join(wanted)}")


def _identity(labels: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), str(v)) for k, v in labels.items()))


def _labels(labels: dict[str, Any]) -> str:
    shown = ", ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k != "alertname")
    return f"{{{shown}}}"
