"""`--retries N` over small fake suites (no cluster: no check asks for one): a check that
passes on a retry is `flaky` in every report file, only its own fixtures are set up again,
the gate accepts it unless `--fail-on-flaky`, and what is not to be retried is not."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from homelab_acceptance.report.schema import schema_problem

pytest_plugins = ["pytester"]

PLAIN = ("-p", "no:cacheprovider")

#: Each phase counted in a file beside the suite: how many times it ran, across attempts.
CONFTEST = """
from pathlib import Path

import pytest


def count(name):
    path = Path(__file__).with_name(name)
    seen = int(path.read_text()) + 1 if path.exists() else 1
    path.write_text(str(seen))
    return seen


@pytest.fixture(scope="session")
def wide():
    count("session-setups")
    yield
    count("session-teardowns")


@pytest.fixture
def own():
    count("function-setups")
    yield
    count("function-teardowns")
"""

FLAKY_ONCE = '''
import pytest

from conftest import count


def test_flaky_once(wide, own, evidence):
    """Fails on its first call, passes on the next."""
    calls = count("calls")
    evidence["call"] = calls
    if calls == 1:
        evidence["only_in_the_first"] = True
    assert calls > 1, "first call fails"
'''

ALWAYS_FAILS = """
from conftest import count


def test_always_fails(wide):
    assert False, f"failed on call {count('calls')}"
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    return pytester


def counted(pytester: pytest.Pytester, name: str) -> int:
    path = pytester.path / name
    return int(path.read_text()) if path.exists() else 0


def results_of(pytester: pytest.Pytester) -> dict[str, Any]:
    results: dict[str, Any] = json.loads((pytester.path / "reports" / "results.json").read_text())
    assert schema_problem(results) is None
    return results


def the_check(pytester: pytest.Pytester) -> dict[str, Any]:
    (check,) = results_of(pytester)["checks"]
    return dict(check)


def test_a_check_that_passes_on_a_retry_is_flaky_and_accepted(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_flaky=FLAKY_ONCE)
    run = suite.runpytest(*PLAIN, "--retries", "2")
    assert run.ret == 0
    run.assert_outcomes(passed=1)  # pytest saw the last attempt only
    run.stdout.fnmatch_lines(
        [
            "retrying test_flaky.py::test_flaky_once (attempt 2 of 3): first call fails",
            "acceptance: ACCEPTED — 0 passed, 0 failed, 1 flaky, *",
        ]
    )
    results = results_of(suite)
    assert (results["verdict"], results["exit_code"]) == ("accepted", 0)
    assert results["summary"]["flaky"] == 1
    check = the_check(suite)
    assert check["status"] == "flaky"
    assert check["attempts"] == ["first call fails"]
    assert check["message"] == ("passed on attempt 2 of 3; attempt 1 failed: first call fails")
    assert check["evidence"] == {"call": 2}, "the evidence is the last attempt's own"
    assert results["requirements"][0]["status"] == "flaky"
    # Only the check's own fixture was set up again; the session's stayed up between attempts.
    assert [counted(suite, n) for n in ("calls", "function-setups", "function-teardowns")] == [
        2,
        2,
        2,
    ]
    assert [counted(suite, n) for n in ("session-setups", "session-teardowns")] == [1, 1]


def test_a_flaky_check_in_junit_markdown_and_html(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_flaky=FLAKY_ONCE)
    suite.runpytest(*PLAIN, "--retries", "1")
    reports = suite.path / "reports"
    case = ET.parse(reports / "junit.xml").getroot().find(".//testcase")
    assert case is not None
    assert case.find("failure") is None
    assert case.find("error") is None
    flakes = case.findall("flakyFailure")
    assert [(f.get("message"), f.get("type")) for f in flakes] == [("first call fails", "flaky")]
    statuses = [p.get("value") for p in case.iter("property") if p.get("name") == "status"]
    assert statuses == ["flaky"]
    markdown = (reports / "acceptance.md").read_text()
    assert "### Flaky checks (passed on a retry)" in markdown
    assert "| `test_flaky.py::test_flaky_once` | passed on attempt 2 of 2; attempt 1" in markdown
    page = (reports / "acceptance.html").read_text()
    assert 'data-status="flaky"' in page
    assert "attempt 1 failed: first call fails" in page


def test_fail_on_flaky_rejects_a_run_with_a_flaky_check(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_flaky=FLAKY_ONCE)
    run = suite.runpytest(*PLAIN, "--retries", "2", "--fail-on-flaky")
    assert run.ret == 1
    results = results_of(suite)
    assert (results["verdict"], results["exit_code"]) == ("rejected", 1)
    assert the_check(suite)["status"] == "flaky"
    run.stdout.fnmatch_lines(["acceptance: REJECTED — *1 flaky*"])


def test_a_check_failing_every_attempt_fails_after_running_n_plus_one_times(
    suite: pytest.Pytester,
) -> None:
    suite.makepyfile(test_fails=ALWAYS_FAILS)
    run = suite.runpytest(*PLAIN, "--retries", "2")
    assert run.ret == 1
    run.assert_outcomes(failed=1)
    assert counted(suite, "calls") == 3
    check = the_check(suite)
    assert check["status"] == "failed"
    assert check["message"] == "failed on call 3"
    assert check["attempts"] == [
        "failed on call 1",
        "failed on call 2",
    ]
    case = ET.parse(suite.path / "reports" / "junit.xml").getroot().find(".//testcase")
    assert case is not None
    assert len(case.findall("rerunFailure")) == 2
    assert case.find("failure") is not None


def test_a_disruptive_check_is_never_retried(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_disruptive="""
from types import SimpleNamespace

import pytest

from conftest import count


@pytest.fixture(scope="session")
def cluster():
    # Stands in for a cluster the harness made: a disruptive check asks for one (to skip on a
    # cluster that is not ours), and starting a real one took minutes here.
    return SimpleNamespace(ephemeral=True, provider="debian")


@pytest.mark.disruptive
def test_restart():
    assert count("calls") > 1, "first call fails"
"""
    )
    run = suite.runpytest(*PLAIN, "--retries", "2")
    assert run.ret == 1
    assert counted(suite, "calls") == 1
    assert "retrying" not in run.stdout.str()
    check = the_check(suite)
    assert check["status"] == "failed"
    assert "attempts" not in check


def test_a_failed_setup_is_not_retried(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_setup="""
import pytest

from conftest import count


@pytest.fixture(scope="module")
def broken():
    count("setups")
    raise RuntimeError("no such thing")


def test_needs_it(broken):
    pass
"""
    )
    run = suite.runpytest(*PLAIN, "--retries", "2")
    assert run.ret == 1
    assert counted(suite, "setups") == 1
    check = the_check(suite)
    assert (check["status"], check["message"]) == ("error", "RuntimeError: no such thing")


def test_a_failure_that_a_retry_clears_does_not_stop_a_run_with_x(
    suite: pytest.Pytester,
) -> None:
    suite.makepyfile(test_flaky=FLAKY_ONCE, test_later="def test_later():\n    pass\n")
    run = suite.runpytest(*PLAIN, "--retries", "1", "-x")
    assert run.ret == 0
    run.assert_outcomes(passed=2)


def test_without_retries_a_failure_stays_a_failure(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_flaky=FLAKY_ONCE)
    run = suite.runpytest(*PLAIN, "--report-dir", "reports")
    assert run.ret == 1
    assert counted(suite, "calls") == 1
    check = the_check(suite)
    assert (check["status"], check["message"]) == ("failed", "first call fails")
    assert "attempts" not in check
    assert results_of(suite)["summary"]["flaky"] == 0


@pytest.mark.parametrize("given", ["-1", "two", "1.5", ""])
def test_retries_that_are_not_a_whole_number_are_a_usage_error_with_one_line(
    suite: pytest.Pytester, given: str
) -> None:
    suite.makepyfile(test_flaky=FLAKY_ONCE)
    run = suite.runpytest(*PLAIN, f"--retries={given}")
    assert run.ret == 4
    errors = [line for line in run.errlines if line.strip()]
    assert len(errors) == 1, run.errlines
    assert "--retries takes how many times a failed check is run again" in errors[0]
    assert repr(given) in errors[0]
    assert counted(suite, "calls") == 0
