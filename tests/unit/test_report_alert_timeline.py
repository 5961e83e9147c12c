"""An alert round trip's timeline in the HTML report: one row, red from firing to resolved,
a marker for every other step at its second, and nothing drawn for a check without one."""

from __future__ import annotations

import re

from homelab_acceptance.report.html_alert_timeline import alert_timeline_evidence
from homelab_acceptance.report.html_timeline import timeline_svg

ROUND_TRIP = {
    "fired_after_s": 19.5,
    "timeline_s": {
        "cause": 0.0,
        "pending": 4.2,
        "firing": 19.5,
        "in_alertmanager": 19.5,
        "notified": 23.6,
        "undone": 23.6,
        "resolved": 39.1,
        "resolved_in_alertmanager": 39.1,
        "resolved_notified": 44.2,
    },
}


def test_the_row_is_the_firing_window_and_every_other_step_a_marker() -> None:
    svg = timeline_svg(alert_timeline_evidence(ROUND_TRIP) or {})
    assert re.findall(r'class="tl-figure"[^>]*>([^<]+)<', svg) == ["firing 19.6 s"]
    assert len(re.findall(r'class="tl-down"', svg)) == 1
    labels = re.findall(r'class="tl-marker-label"[^>]*>([^<]+)<', svg)
    assert labels == [
        "0 s: disruption",
        "pending 4.2 s",
        "in alertmanager 19.5 s",
        "notified 23.6 s",
        "undone 23.6 s",
        "resolved in alertmanager 39.1 s",
        "resolved notified 44.2 s",
    ]
    assert "the alert: firing from 19.5 s to 39.1 s, firing 19.6 s in total" in svg


def test_an_alert_that_never_resolved_is_drawn_firing_to_the_end() -> None:
    steps = {"cause": 0.0, "pending": 3.0, "firing": 18.0, "in_alertmanager": 18.5}
    svg = timeline_svg(alert_timeline_evidence({"timeline_s": steps}) or {})
    assert "tl-still-down" in svg
    assert re.findall(r'class="tl-figure"[^>]*>([^<]+)<', svg) == ["firing 0.5 s, not back"]


def test_no_timeline_without_a_firing_step() -> None:
    assert alert_timeline_evidence({"timeline_s": {"cause": 0.0, "pending": 4.0}}) is None
    assert alert_timeline_evidence({"rule": "health ok"}) is None
