"""Scrape health: every active target up. A target not scraped yet (`unknown`) is waited for;
a down one is named with its job, URL and Prometheus's own `lastError`."""

from __future__ import annotations

from typing import Any

from homelab_acceptance.probes.prometheus import Prometheus
from homelab_acceptance.waiting import Observation


def describe_target(target: dict[str, Any]) -> str:
    labels = target.get("labels", {})
    return (
        f"{labels.get('job', '?')} {target.get('scrapeUrl', '?')} "
        f"({target.get('health')}: {target.get('lastError') or 'no error'})"
    )


def all_targets_up(prometheus: Prometheus) -> Observation:
    targets = prometheus.targets()
    if not targets:
        return Observation(False, "no active targets at all")
    not_up = [describe_target(t) for t in targets if t.get("health") != "up"]
    if not_up:
        return Observation(False, f"{len(not_up)} of {len(targets)} not up: {'; '.join(not_up)}")
    jobs = sorted({t.get("labels", {}).get("job", "?") for t in targets})
    return Observation(True, f"{len(targets)} targets up, jobs {', '.join(jobs)}")
