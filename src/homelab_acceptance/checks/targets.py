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


def _not_all_discovered(prometheus: Prometheus, targets: list[dict[str, Any]]) -> str | None:
    """What is not discovered yet: no target at all, or scrape jobs without one."""
    if not targets:
        return "no active targets at all"
    found = {t.get("scrapePool") for t in targets}
    without = [job for job in prometheus.scrape_jobs() if job not in found]
    if without:
        return (
            f"scrape job(s) with no target (yet): {', '.join(without)}; "
            f"{len(targets)} targets in the others"
        )
    return None


def all_targets_scraped(prometheus: Prometheus) -> Observation:
    """Every scrape job has its targets and each has been scraped at least once (up or down:
    what the rules see is then what the stack is, not what discovery has not found yet)."""
    targets = prometheus.targets()
    missing = _not_all_discovered(prometheus, targets)
    if missing is not None:
        return Observation(False, missing)
    unknown = [describe_target(t) for t in targets if t.get("health") not in ("up", "down")]
    if unknown:
        return Observation(False, f"not scraped yet: {'; '.join(unknown)}")
    return Observation(True, f"{len(targets)} targets scraped")


def all_targets_up(prometheus: Prometheus) -> Observation:
    targets = prometheus.targets()
    missing = _not_all_discovered(prometheus, targets)
    if missing is not None:
        return Observation(False, missing)
    not_up = [describe_target(t) for t in targets if t.get("health") != "up"]
    if not_up:
        return Observation(False, f"{len(not_up)} of {len(targets)} not up: {'; '.join(not_up)}")
    jobs = sorted({t.get("labels", {}).get("job", "?") for t in targets})
    return Observation(True, f"{len(targets)} targets up, jobs {', '.join(jobs)}")
