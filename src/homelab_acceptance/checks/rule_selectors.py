"""Rules that can fire: at steady state each series selector of every alerting and recording
rule matches at least one live series. A selector that matches nothing makes its rule dead
(a typo in a label value, a metric renamed by an exporter upgrade, a job that is not scraped):
the rule evaluates without an error and never fires. Prometheus's own parser splits each rule
into its selectors (/api/v1/parse_query); each is then asked for with `count(...)`, and one
that matches nothing is named with its rule and the values its labels do have."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from homelab_acceptance.probes.prometheus import Prometheus

#: How many of a label's existing values a finding shows.
SHOWN_VALUES = 8


@dataclass(frozen=True)
class Selector:
    """A vector or matrix selector of a rule: the metric name and its label matchers."""

    matchers: tuple[tuple[str, str, str], ...]  # (label, operator, value)

    @property
    def metric(self) -> str | None:
        return next(
            (v for label, op, v in self.matchers if label == "__name__" and op == "="), None
        )

    def promql(self) -> str:
        inner = ",".join(f"{label}{op}{json.dumps(value)}" for label, op, value in self.matchers)
        return f"{{{inner}}}"

    def shown(self) -> str:
        """As a person writes it: name{label="value"}, or {…} when no name is given."""
        named = self.metric
        others = [(k, op, v) for k, op, v in self.matchers if not (named and k == "__name__")]
        inner = ", ".join(f"{label}{op}{json.dumps(value)}" for label, op, value in others)
        if named is None:
            return f"{{{inner}}}"
        return f"{named}{{{inner}}}" if others else named


def selectors_of(tree: Any) -> Iterator[Selector]:
    """Every vector and matrix selector in a parse_query tree, in order."""
    if isinstance(tree, dict):
        if tree.get("type") in ("vectorSelector", "matrixSelector"):
            yield Selector(
                tuple((m["name"], m["type"], m["value"]) for m in tree.get("matchers") or [])
            )
            return
        for value in tree.values():
            yield from selectors_of(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from selectors_of(value)


def rules(prometheus: Prometheus) -> list[dict[str, Any]]:
    return [rule for group in prometheus.rule_groups() for rule in group.get("rules", [])]


def dead_selectors(prometheus: Prometheus) -> tuple[list[str], int]:
    """One line per rule selector that matches no live series, and how many were asked for."""
    found: list[str] = []
    asked: dict[str, bool] = {}
    for rule in rules(prometheus):
        query = str(rule.get("query", ""))
        for selector in selectors_of(prometheus.parse_query(query)):
            promql = selector.promql()
            if promql not in asked:
                asked[promql] = bool(prometheus.query(f"count({promql})"))
            if not asked[promql]:
                kind = "alert" if rule.get("type") == "alerting" else "recording rule"
                found.append(
                    f"{kind} {rule.get('name')}: {selector.shown()} matches no series; "
                    f"{what_exists(prometheus, selector)}"
                )
    return found, len(asked)


def what_exists(prometheus: Prometheus, selector: Selector) -> str:
    """The values the selector's labels have on the series of its metric, or that the metric
    has no series at all."""
    metric = selector.metric
    if metric is None:
        return "the selector names no metric"
    series = prometheus.series(f"{{__name__={json.dumps(metric)}}}")
    if not series:
        return f"no series named {metric} at all (is what exports it scraped?)"
    parts = []
    for label, _, _ in selector.matchers:
        if label == "__name__":
            continue
        values = sorted({s[label] for s in series if label in s})
        listed = ", ".join(values[:SHOWN_VALUES]) + (", …" if len(values) > SHOWN_VALUES else "")
        parts.append(f"{label} on {metric}: {listed}" if values else f"{metric} has no {label}")
    return "; ".join(parts) or f"{metric} has {len(series)} series"


def untested_alerts(prometheus: Prometheus, declared: set[str]) -> list[str]:
    """The alerting rules no declared alert (expect.alerts, always_firing) stands for."""
    names = {str(r.get("name")) for r in rules(prometheus) if r.get("type") == "alerting"}
    return sorted(names - declared)
