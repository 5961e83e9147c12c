"""A run compared with a baseline run: new failures, fixed checks, checks that came and went,
and timings worse by more than 20 % and 1 s."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from homelab_acceptance.report.schema import schema_problem

pytest_plugins = ["pytester"]

REPORT = ("-p", "homelab_acceptance.pytest_plugin.report", "-p", "no:cacheprovider")

SUITE = """
import os
import pytest

FIGURES = {{"app": {app}, "api": {api}}}


def test_was_red():
    assert {was_red_passes}, "was red"


def test_turns_red():
    assert {turns_red_passes}, "turns red"


@pytest.mark.limitation("single point of failure")
def test_restart(evidence):
    evidence["availability"] = {{t: {{"downtime_s": s}} for t, s in FIGURES.items()}}
    evidence["count"] = {count}


{extra}
"""


def run_suite(pytester: pytest.Pytester, *args: str, **values: object) -> int:
    pytester.makepyfile(test_suite=SUITE.format(**values))
    return pytester.runpytest(*REPORT, *args).ret


def test_the_baseline_block_names_what_changed_and_what_got_slower(
    pytester: pytest.Pytester,
) -> None:
    before = dict(app=10.0, api=10.0, count=1, was_red_passes=False, turns_red_passes=True)
    assert run_suite(pytester, **before, extra="def test_removed():\n    pass") == 1
    baseline = pytester.path / "baseline.json"
    (pytester.path / "reports" / "results.json").rename(baseline)
    # app: 10 → 12.5 s is 25 % worse and 2.5 s: a regression. api: 10 → 11 s is only 1 s.
    # count is no timing: 1 → 100 is not weighed.
    after = dict(app=12.5, api=11.0, count=100, was_red_passes=True, turns_red_passes=False)
    assert (
        run_suite(
            pytester, "--baseline", "baseline.json", **after, extra="def test_added():\n    pass"
        )
        == 1
    )
    results = json.loads((pytester.path / "reports" / "results.json").read_text())
    assert schema_problem(results) is None
    block = results["baseline"]
    assert block["path"] == str(baseline)
    assert block["verdict"] == "rejected"
    assert block["new_failures"] == ["test_suite.py::test_turns_red"]
    assert block["fixed"] == ["test_suite.py::test_was_red"]
    assert block["new_checks"] == ["test_suite.py::test_added"]
    assert block["removed_checks"] == ["test_suite.py::test_removed"]
    assert block["regressions"] == [
        {
            "check": "test_suite.py::test_restart",
            "figure": "availability.app.downtime_s",
            "baseline": 10.0,
            "now": 12.5,
        }
    ]
    markdown = (pytester.path / "reports" / "acceptance.md").read_text()
    assert "- new failures (1): `test_suite.py::test_turns_red`" in markdown
    assert "- fixed (1): `test_suite.py::test_was_red`" in markdown
    assert (
        "- slower: `test_suite.py::test_restart` availability.app.downtime_s 10.0 s → 12.5 s"
        in (markdown)
    )


def test_a_small_slowdown_is_no_regression(pytester: pytest.Pytester) -> None:
    """5 → 5.9 s is worse by 18 % (under 20 %); 1 → 1.9 s by 0.9 s (under 1 s)."""
    values = dict(count=1, was_red_passes=True, turns_red_passes=True, extra="")
    assert run_suite(pytester, app=5.0, api=1.0, **values) == 0
    baseline = pytester.path / "reports" / "results.json"
    kept = Path(pytester.path / "baseline.json")
    baseline.rename(kept)
    assert run_suite(pytester, "--baseline", str(kept), app=5.9, api=1.9, **values) == 0
    block = json.loads(baseline.read_text())["baseline"]
    assert block["regressions"] == []
    assert block["new_failures"] == block["fixed"] == block["new_checks"] == []
    assert "- no change" in (pytester.path / "reports" / "acceptance.md").read_text()
