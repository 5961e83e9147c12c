"""An alert's deadlines to fire and to resolve follow from its rule and Prometheus's intervals
unless the stack declares `within_s`: a rule with `for: 15s` on 5 s scrapes and evaluations
must fire within 100 s (an alert that took 270 s used to pass, under a flat 300 s)."""

from __future__ import annotations

import pytest

from homelab_acceptance.checks.alert_deadlines import (
    alert_deadlines,
    prometheus_duration_s,
    scrape_interval_s,
)
from homelab_acceptance.spec import Alert


def test_the_reference_alert_must_fire_within_100_s_and_resolve_within_70_s() -> None:
    deadlines = alert_deadlines(Alert("SampleAppDown"), {"duration": 15}, 5.0, 5.0)
    assert (deadlines.fire_s, deadlines.resolve_s) == (100.0, 70.0)
    assert deadlines.how.startswith("derived: 2 x (2 x scrape 5s + 2 x evaluation 5s + for 15s)")


def test_keep_firing_for_lengthens_the_resolve_deadline_only() -> None:
    deadlines = alert_deadlines(Alert("Flappy"), {"duration": 0, "keepFiringFor": 60}, 5.0, 5.0)
    assert (deadlines.fire_s, deadlines.resolve_s) == (70.0, 190.0)


def test_a_declared_within_wins() -> None:
    deadlines = alert_deadlines(Alert("Slow", within_s=600.0), {"duration": 15}, 5.0, 5.0)
    assert (deadlines.fire_s, deadlines.resolve_s, deadlines.how) == (
        600.0,
        600.0,
        "declared: within_s 600",
    )


def test_the_longest_scrape_interval_of_the_config_counts() -> None:
    config = {
        "global": {"scrape_interval": "15s"},
        "scrape_configs": [{"job_name": "a"}, {"job_name": "b", "scrape_interval": "1m30s"}],
    }
    assert scrape_interval_s(config) == 90.0
    assert scrape_interval_s({}) == 60.0


@pytest.mark.parametrize("text", ["5", "5 s", "1x", ""])
def test_what_is_no_prometheus_duration_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a Prometheus duration"):
        prometheus_duration_s(text)
