"""The `flaky` status (a check that passed on a retry, --retries) in the report's layers: the
gate accepts it unless fail_on_flaky, the baseline names a check that turned flaky or steady,
and acceptance.md, acceptance.html and junit.xml show it with its failed attempts."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from homelab_acceptance.report.acceptance_md import render_markdown
from homelab_acceptance.report.baseline import compare
from homelab_acceptance.report.checks import CheckRecord, Requirement
from homelab_acceptance.report.environment import environment_block
from homelab_acceptance.report.html import render_html
from homelab_acceptance.report.junit_xml import junit_tree
from homelab_acceptance.report.results import build_results
from homelab_acceptance.report.schema import schema_problem
from homelab_acceptance.report.verdict import Verdict, decide

REQUIREMENT = Requirement("api", "The API answers", "requirement")
FLAKY_ID = "suites/test_api.py::test_answers"


def record(check_id: str, status: str, attempts: list[str] | None = None) -> CheckRecord:
    message = {"flaky": "passed on attempt 3 of 3; attempt 1 failed: timed out"}.get(status, "")
    return CheckRecord(
        check_id, check_id, REQUIREMENT, status=status, message=message, attempts=attempts or []
    )


def results_with(*checks: CheckRecord, baseline: dict[str, Any] | None = None) -> dict[str, Any]:
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    environment = environment_block(
        {}, None, stack_path=None, shown_stack_path=None, started=moment, finished=moment
    )
    verdict = decide([c.status for c in checks], harness_failed=False, pytest_exit=0)
    results = build_results(list(checks), verdict, environment, None)
    if baseline is not None:
        results["baseline"] = compare(baseline, results["checks"], Path("old/results.json"))
    assert schema_problem(results) is None
    return results


@pytest.mark.parametrize(
    ("statuses", "fail_on_flaky", "expected"),
    [
        (["passed", "flaky"], False, Verdict("accepted", 0)),
        (["passed", "flaky"], True, Verdict("rejected", 1)),
        (["passed", "confirmed-limitation"], True, Verdict("accepted", 0)),
        (["flaky", "failed"], False, Verdict("rejected", 1)),
        (["flaky", "error"], True, Verdict("rejected", 1)),
    ],
)
def test_a_flaky_check_is_accepted_unless_fail_on_flaky(
    statuses: list[str], fail_on_flaky: bool, expected: Verdict
) -> None:
    assert decide(statuses, False, 0, fail_on_flaky=fail_on_flaky) == expected


def test_a_flaky_check_does_not_hide_an_interrupted_or_unusable_run() -> None:
    assert decide(["flaky"], True, 0, fail_on_flaky=True) == Verdict("error", 2)
    assert decide(["flaky"], False, 4, fail_on_flaky=True) == Verdict("error", 4)


def test_the_baseline_names_checks_that_turned_flaky_or_steady() -> None:
    old = results_with(
        record("a::passed_then_flaky", "passed"),
        record("a::flaky_then_passed", "flaky", ["timed out"]),
        record("a::flaky_then_flaky", "flaky", ["timed out"]),
        record("a::failed_then_flaky", "failed"),
        record("a::flaky_then_failed", "flaky", ["timed out"]),
    )
    now = results_with(
        record("a::passed_then_flaky", "flaky", ["timed out"]),
        record("a::flaky_then_passed", "passed"),
        record("a::flaky_then_flaky", "flaky", ["timed out"]),
        record("a::failed_then_flaky", "flaky", ["timed out"]),
        record("a::flaky_then_failed", "failed"),
        record("a::new_and_flaky", "flaky", ["timed out"]),
        baseline=old,
    )
    block = now["baseline"]
    assert block["new_flaky"] == [
        "a::passed_then_flaky",
        "a::failed_then_flaky",
        "a::new_and_flaky",
    ]
    assert block["no_longer_flaky"] == ["a::flaky_then_passed"]
    assert block["new_failures"] == ["a::flaky_then_failed"]
    assert block["fixed"] == [], "a check that failed and is flaky now is not fixed"
    markdown = render_markdown(now)
    assert (
        "- newly flaky (3): `a::passed_then_flaky`, `a::failed_then_flaky`, `a::new_and_flaky`"
        in markdown
    )
    assert "- no longer flaky (1): `a::flaky_then_passed`" in markdown
    page = render_html(now)
    assert '<ul class="check-links baseline-new_flaky">' in page
    assert '<h3>No longer flaky (1)</h3><ul class="check-links baseline-no_longer_flaky">' in page


def test_a_baseline_written_before_retries_existed_still_compares() -> None:
    old = results_with(record("a::x", "passed"))
    del old["summary"]["flaky"]
    assert schema_problem(old) is None
    now = results_with(record("a::x", "flaky", ["timed out"]), baseline=old)
    assert now["baseline"]["new_flaky"] == ["a::x"]


def test_acceptance_md_lists_the_flaky_checks_with_every_failed_attempt() -> None:
    results = results_with(
        record("a::steady", "passed"), record(FLAKY_ID, "flaky", ["timed out", "refused"])
    )
    markdown = render_markdown(results)
    assert "Verdict: **accepted** (exit code 0): 1 passed, 0 failed, 1 flaky," in markdown
    assert "### Flaky checks (passed on a retry)" in markdown
    assert (
        f"| `{FLAKY_ID}` | passed on attempt 3 of 3; attempt 1 failed: timed out; "
        "attempt 2 failed: refused |"
    ) in markdown
    assert "### Failed checks" not in markdown


def test_acceptance_md_has_no_flaky_section_without_a_flake() -> None:
    assert "Flaky" not in render_markdown(results_with(record("a::steady", "passed")))


class Texts(HTMLParser):
    """The text inside each element with a class, by class."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.by_class: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = dict(attrs).get("class") or ""
        self.open.append(classes)
        for name in classes.split():
            self.by_class.setdefault(name, []).append("")

    def handle_endtag(self, tag: str) -> None:
        self.open.pop()

    def handle_data(self, data: str) -> None:
        for classes in self.open:
            for name in classes.split():
                self.by_class[name][-1] += data


def test_acceptance_html_shows_a_flaky_check_its_attempts_and_its_count() -> None:
    results = results_with(
        record("a::steady", "passed"), record(FLAKY_ID, "flaky", ["timed out", "refused"])
    )
    page = render_html(results)
    texts = Texts()
    texts.feed(page)
    assert texts.by_class["attempts"] == ["attempt 1 failed: timed outattempt 2 failed: refused"]
    assert "↻ flaky" in texts.by_class["s-flaky"]
    assert "Needs attention (1)" in page, "a flake is named, not hidden"
    counts = " ".join(texts.by_class["counts"][0].split())
    assert "↻ flaky 1" in counts
    assert ".s-flaky {" in page


def test_acceptance_html_counts_no_flake_when_there_is_none() -> None:
    page = render_html(results_with(record("a::steady", "passed")))
    assert "↻" not in page


def test_junit_gives_a_flaky_check_a_flaky_failure_per_failed_attempt() -> None:
    results = results_with(
        record(FLAKY_ID, "flaky", ["timed out", "refused"]),
        record("a::failed", "failed", ["refused"]),
    )
    flaky, failed = junit_tree(results).iter("testcase")
    assert [(e.get("message"), e.get("type")) for e in flaky.findall("flakyFailure")] == [
        ("timed out", "flaky"),
        ("refused", "flaky"),
    ]
    assert flaky.find("failure") is None
    assert [e.get("message") for e in failed.findall("rerunFailure")] == ["refused"]
    assert failed.find("failure") is not None
    suite = junit_tree(results).find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")
