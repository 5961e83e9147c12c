"""The outage arithmetic over recorded samples: exact figures, no timing involved."""

from __future__ import annotations

import pytest

from homelab_acceptance.faults.outages import Sample, summarise


def _samples(pattern: str, step: float = 0.1, start: float = 100.0) -> list[Sample]:
    """'+' a good sample, '-' a failed one, one every `step` seconds from `start`."""
    return [
        Sample(
            start + i * step, 1_700_000_000 + i * step, mark == "+", "" if mark == "+" else "down"
        )
        for i, mark in enumerate(pattern)
    ]


def test_never_failing_is_no_downtime_and_recovered_at_once() -> None:
    seen = summarise("api", _samples("+++++"), began_s=100.0, ended_s=100.5)
    assert (seen.samples, seen.failed_samples, seen.downtime_s) == (5, 0, 0.0)
    assert seen.first_failure_s is None
    assert seen.last_failure_s is None
    assert seen.recovered_after_s == 0.0
    assert seen.recovered


def test_one_outage_runs_from_the_first_failure_to_the_next_good_sample() -> None:
    # good at 100.0, 100.1; failing 100.2-100.4; good again at 100.5
    seen = summarise("app", _samples("++---++"), began_s=100.1, ended_s=101.0)
    assert seen.failed_samples == 3
    assert seen.first_failure_s == pytest.approx(0.1)
    assert seen.last_failure_s == pytest.approx(0.3)
    assert seen.downtime_s == pytest.approx(0.3)
    assert seen.recovered_after_s == pytest.approx(0.4)
    assert seen.first_error == "down"


def test_two_outages_add_up_and_recovery_is_after_the_last() -> None:
    seen = summarise("app", _samples("+--+++---+"), began_s=100.0, ended_s=101.0)
    assert seen.downtime_s == pytest.approx(0.2 + 0.3)
    assert seen.first_failure_s == pytest.approx(0.1)
    assert seen.last_failure_s == pytest.approx(0.8)
    assert seen.recovered_after_s == pytest.approx(0.9)


def test_still_down_at_the_end_counts_until_the_end_and_is_not_recovered() -> None:
    seen = summarise("app", _samples("++---"), began_s=100.0, ended_s=101.0)
    assert seen.downtime_s == pytest.approx(0.8)
    assert seen.recovered_after_s is None
    assert not seen.recovered


def test_evidence_is_rounded_and_json_able() -> None:
    seen = summarise("app", _samples("+-+"), began_s=100.0, ended_s=100.3)
    assert seen.as_evidence() == {
        "samples": 3,
        "failed_samples": 1,
        "first_failure_s": 0.1,
        "last_failure_s": 0.1,
        "downtime_s": 0.1,
        "recovered_after_s": 0.2,
        "first_error": "down",
    }
