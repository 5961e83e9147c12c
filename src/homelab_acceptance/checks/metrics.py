"""A declared metric: the PromQL query returns series within its deadline, and for
`moves: true` the value changes while the check watches (a series that merely exists may be
stale or constant: a counter that moves proves the data flows now).

While no series has come, the component's own scrape targets (those whose `namespace` label is
the component's namespace) are watched too: once every one of them has failed two scrapes in
a row while the check looked, no series is coming, and the check fails then, naming each
target and the error Prometheus got, rather than at the end of its deadline."""

from __future__ import annotations

from typing import Any

from homelab_acceptance.probes.prometheus import Prometheus, sample_value, series_name
from homelab_acceptance.spec import Metric
from homelab_acceptance.waiting import Observation, wait_for


def total(samples: list[dict[str, Any]]) -> float:
    return sum(sample_value(s) for s in samples)


def check_metric(
    prometheus: Prometheus, metric: Metric, namespace: str, evidence: dict[str, Any]
) -> None:
    evidence["query"] = metric.query
    scrapes = FailingScrapes(prometheus, namespace)

    def present() -> Observation:
        samples = prometheus.query(metric.query)
        if samples:
            return Observation(True, f"{len(samples)} series, total {total(samples):g}")
        failing = scrapes.all_failed_twice()
        if failing is not None:
            evidence["failing_scrapes"] = failing
            return Observation(
                False,
                f"no series, and every scrape target in namespace {namespace} failed twice in "
                f"a row: {'; '.join(failing)}",
                hopeless=True,
            )
        return Observation(False, "no series")

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


class FailingScrapes:
    """The namespace's scrape targets, watched: whether every one has failed a scrape since it
    was first seen failing (so two in a row, Prometheus's own lastScrape telling them apart)."""

    def __init__(self, prometheus: Prometheus, namespace: str) -> None:
        self.prometheus = prometheus
        self.namespace = namespace
        self.first_failure: dict[str, str] = {}

    def all_failed_twice(self) -> list[str] | None:
        """Each target's URL and last error when all have failed twice; None otherwise."""
        targets = [
            t
            for t in self.prometheus.targets()
            if (t.get("labels") or {}).get("namespace") == self.namespace
        ]
        for target in targets:
            url = str(target.get("scrapeUrl"))
            if target.get("health") != "down":
                self.first_failure.pop(url, None)
            else:
                self.first_failure.setdefault(url, str(target.get("lastScrape")))
        again = [
            t
            for t in targets
            if t.get("health") == "down"
            and self.first_failure.get(str(t.get("scrapeUrl"))) != str(t.get("lastScrape"))
        ]
        if not targets or len(again) < len(targets):
            return None
        return [f"{t.get('scrapeUrl')}: {t.get('lastError') or 'down'}" for t in again]
