"""Prometheus's view of a disruption: per scrape job, the longest gap between its scrapes
(Prometheus's own job: how long Prometheus itself was gone) and when the job was up again.

It reads raw samples (`up[Ns]` as an instant query: a matrix of the scrapes' own timestamps).
A `query_range` would not show gaps: each step looks back up to 5 minutes for a sample, so
it fills an outage shorter than that with the last value seen before it."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from homelab_acceptance.probes.prometheus import Prometheus, PrometheusQueryError

#: (unix seconds, value) of one scrape.
Scrape = tuple[float, float]


@dataclass(frozen=True)
class JobRecovery:
    """One scrape job around a disruption; times in seconds after it began (wall clock)."""

    job: str
    scrapes: int
    longest_gap_s: float
    gap_from_s: float
    gap_to_s: float
    #: The first scrape at or after the gap's end that found the job up (`up == 1`); None
    #: when none did.
    up_again_s: float | None

    def as_evidence(self) -> dict[str, Any]:
        return {
            "scrapes": self.scrapes,
            "longest_gap_s": round(self.longest_gap_s, 1),
            "gap_from_s": round(self.gap_from_s, 1),
            "gap_to_s": round(self.gap_to_s, 1),
            "up_again_s": None if self.up_again_s is None else round(self.up_again_s, 1),
        }


def instant_vector_at(prometheus: Prometheus, expr: str, at_s: float) -> list[dict[str, Any]]:
    """`expr` evaluated at the unix time `at_s` (a past instant: what Prometheus remembers)."""
    data = prometheus.data("/api/v1/query", {"query": expr, "time": f"{at_s:.3f}"})
    if data.get("resultType") != "vector":
        raise PrometheusQueryError(f"{expr!r} gave a {data.get('resultType')}, not a vector")
    result: list[dict[str, Any]] = data["result"]
    return result


def scrapes_by_job(
    prometheus: Prometheus, selector: str, since_s: float, until_s: float
) -> dict[str, list[Scrape]]:
    """Every raw sample of `selector` (an `up` selector) between two unix times, the series
    of each job merged (a pod's new address after a restart is a new series of the same job),
    in time order."""
    window = max(1, math.ceil(until_s - since_s))
    data = prometheus.data(
        "/api/v1/query", {"query": f"{selector}[{window}s]", "time": f"{until_s:.3f}"}
    )
    if data.get("resultType") != "matrix":
        raise PrometheusQueryError(f"{selector}[{window}s] gave a {data.get('resultType')}")
    merged: dict[str, list[Scrape]] = defaultdict(list)
    for series in data["result"]:
        job = str(series["metric"].get("job", "?"))
        merged[job].extend((float(ts), float(value)) for ts, value in series["values"])
    return {job: sorted(scrapes) for job, scrapes in merged.items()}


def job_recovery(job: str, scrapes: Iterable[Scrape], began_s: float) -> JobRecovery:
    """The longest gap between consecutive scrapes of `job`, and its first `up == 1` after
    that gap, relative to the unix time `began_s`."""
    ordered = sorted(scrapes)
    if len(ordered) < 2:
        raise PrometheusQueryError(f"job {job}: {len(ordered)} scrape(s) in the window, need 2")
    earlier, later = max(itertools.pairwise(ordered), key=lambda p: p[1][0] - p[0][0])
    up_again = next((ts for ts, value in ordered if ts >= later[0] and value == 1), None)
    return JobRecovery(
        job=job,
        scrapes=len(ordered),
        longest_gap_s=later[0] - earlier[0],
        gap_from_s=earlier[0] - began_s,
        gap_to_s=later[0] - began_s,
        up_again_s=None if up_again is None else up_again - began_s,
    )


def typical_interval_s(scrapes: Iterable[Scrape]) -> float:
    """The median time between consecutive scrapes: the job's scrape interval as observed."""
    times = [ts for ts, _ in sorted(scrapes)]
    gaps = sorted(b - a for a, b in itertools.pairwise(times))
    if not gaps:
        raise PrometheusQueryError("fewer than 2 scrapes: no interval to observe")
    return gaps[len(gaps) // 2]
