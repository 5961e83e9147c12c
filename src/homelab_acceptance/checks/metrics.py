"""A declared metric: the PromQL query returns series within its deadline, and for
`moves: true` the value changes while the check watches (a series that merely exists may be
stale or constant: a counter that moves proves the data flows now)."""

from __future__ import annotations

from typing import Any

from homelab_acceptance.probes.prometheus import Prometheus, sample_value, series_name
from homelab_acceptance.spec import Metric
from homelab_acceptance.waiting import Observation, wait_for


def total(samples: list[dict[str, Any]]) -> float:
    return sum(sample_value(s) for s in samples)


def check_metric(prometheus: Prometheus, metric: Metric, evidence: dict[str, Any]) -> None:
    evidence["query"] = metric.query

    def present() -> Observation:
        samples = prometheus.query(metric.query)
        if not samples:
            return Observation(False, "no series")
        return Observation(True, f"{len(samples)} series, total {total(samples):g}")

    first = wait_for(
        present, awaiting=f"series for {metric.query}", timeout_s=metric.within_s, poll_s=1
    )
    samples = prometheus.query(metric.query)
    start = total(samples)
    evidence["answer"] = first.seen
    evidence["series"] = [series_name(s) for s in samples[:10]]
    if not metric.moves:
        return

    def moved() -> Observation:
        now = total(prometheus.query(metric.query))
        return Observation(now != start, f"total {now:g} (started at {start:g})")

    after = wait_for(moved, awaiting=f"{metric.query} to move", timeout_s=metric.within_s, poll_s=1)
    evidence["moved"] = after.seen
