"""How long an alert may take to fire once its cause is produced, and to resolve once it is
undone: declared (`within_s` of the alert) or derived from what Prometheus itself was told.

Derived, an alert must go from cause to firing within

    2 x (2 x scrape interval + 2 x rule evaluation interval + for) + MARGIN_S

(two scrapes for the series to change or vanish, two evaluations for the rule to see it and go
pending, its `for:` to fire; doubled for a loaded node, plus a fixed margin for the pods going
away), and resolve within the same without `for` and with its `keep_firing_for`. On the
reference stack (5 s scrapes and evaluations, `for: 15s`) that is 100 s to fire and 70 s to
resolve; it fired after 20 s and resolved 16 s after its cause was undone. Before, any alert
passed that fired within 300 s."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from homelab_acceptance.probes.prometheus import Prometheus
from homelab_acceptance.spec import Alert

#: Added to every derived deadline: pods terminating, service discovery catching up.
MARGIN_S = 30.0
#: Prometheus's own default scrape and evaluation interval, when the config names none.
PROMETHEUS_DEFAULT_INTERVAL_S = 60.0
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|y|w|d|h|m|s)")
_UNIT_S = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


@dataclass(frozen=True)
class AlertDeadlines:
    fire_s: float
    resolve_s: float
    #: How they were found, for the evidence.
    how: str


def prometheus_duration_s(text: str) -> float:
    """Seconds of a Prometheus duration (`5s`, `1m30s`, `1h`); ValueError for anything else."""
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        raise ValueError(f"not a Prometheus duration: {text!r}")
    return sum(float(number) * _UNIT_S[unit] for number, unit in parts)


def scrape_interval_s(config: dict[str, Any]) -> float:
    """The longest scrape interval of the loaded configuration's jobs (the global one for
    jobs that name none)."""
    global_part = config.get("global") or {}
    default = global_part.get("scrape_interval")
    base = prometheus_duration_s(default) if default else PROMETHEUS_DEFAULT_INTERVAL_S
    jobs = config.get("scrape_configs") or []
    own = [prometheus_duration_s(j["scrape_interval"]) for j in jobs if j.get("scrape_interval")]
    return max([base, *own])


def alert_deadlines(
    alert: Alert, rule: dict[str, Any], group_interval_s: float, scrape_s: float
) -> AlertDeadlines:
    if alert.within_s is not None:
        return AlertDeadlines(
            alert.within_s, alert.within_s, f"declared: within_s {alert.within_s:g}"
        )
    hold = float(rule.get("duration") or 0)
    keep = float(rule.get("keepFiringFor") or 0)
    base = 2 * scrape_s + 2 * group_interval_s
    fire = 2 * (base + hold) + MARGIN_S
    resolve = 2 * (base + keep) + MARGIN_S
    how = (
        f"derived: 2 x (2 x scrape {scrape_s:g}s + 2 x evaluation {group_interval_s:g}s + "
        f"for {hold:g}s) + {MARGIN_S:g}s = {fire:g}s to fire; {resolve:g}s to resolve"
        + (f" (keep_firing_for {keep:g}s)" if keep else "")
    )
    return AlertDeadlines(fire, resolve, how)


def deadlines_from(prometheus: Prometheus, alert: Alert) -> AlertDeadlines:
    """The alert's deadlines, its rule, group and the scrape intervals read from Prometheus."""
    if alert.within_s is not None:
        return alert_deadlines(alert, {}, 0.0, 0.0)
    for group in prometheus.rule_groups():
        for rule in group.get("rules", []):
            if rule.get("type") == "alerting" and rule.get("name") == alert.name:
                config = prometheus.loaded_config()
                interval = float(group.get("interval") or PROMETHEUS_DEFAULT_INTERVAL_S)
                return alert_deadlines(alert, rule, interval, scrape_interval_s(config))
    raise LookupError(f"no alerting rule {alert.name} in Prometheus")
