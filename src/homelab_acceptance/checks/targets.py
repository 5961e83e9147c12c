"""Scrape health: every scrape job of the configuration has its targets, and every active
target is up. A job with no target yet is waited for (service discovery refreshes on its own
interval, so right after Prometheus starts only its static jobs may have targets: the check
then saw 2 targets where there are 5 and passed on a wrong scrape port); so is a target not
scraped yet (`unknown`). A down one is named with its job, URL and Prometheus's own
`lastError`; a job that never gets a target is named too."""

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
    found = {t.get("scrapePool") for t in targets}
    without = [job for job in prometheus.scrape_jobs() if job not in found]
    if without:
        return Observation(
            False,
            f"scrape job(s) with no target (yet): {', '.join(without)}; "
            f"{len(targets)} targets in the others",
        )
    not_up = [describe_target(t) for t in targets if t.get("health") != "up"]
    if not_up:
        return Observation(False, f"{len(not_up)} of {len(targets)} not up: {'; '.join(not_up)}")
    jobs = sorted({t.get("labels", {}).get("job", "?") for t in targets})
    return Observation(True, f"{len(targets)} targets up, jobs {', '.join(jobs)}")
