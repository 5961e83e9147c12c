"""The report plugin over small fake suites (no cluster): the files it writes, each check's
status and message, and the exit code as the gate."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from homelab_acceptance.report.schema import schema_problem

pytest_plugins = ["pytester"]

REPORT = ("-p", "homelab_acceptance.pytest_plugin.report", "-p", "no:cacheprovider")

MIXED_SUITE = '''
import pytest

pytestmark = pytest.mark.requirement("cluster-works", "The cluster works")


def test_passes(evidence):
    """The API answers within its budget."""
    evidence["answer_s"] = 1.5


def test_fails(evidence):
    """The sum of one and one is three, which it is not, so this check fails: a docstring
    that explains is not a title."""
    evidence["seen"] = "nothing"
    assert 1 + 1 == 3, "the sum is wrong\\nsecond line"


def test_raises():
    raise KeyError("missing-key")


def test_skipped():
    pytest.skip("no Loki declared")


@pytest.mark.limitation("single point of failure")
def test_restart_downtime(evidence):
    evidence["availability"] = {"app": {"downtime_s": 15.3}, "api": {"downtime_s": 9.0}}


@pytest.fixture
def broken():
    raise RuntimeError("fixture broke")


def test_errors_in_setup(broken):
    pass


@pytest.mark.parametrize("target", ["a/b"])
def test_parametrized_name(target):
    pass
'''


def results_of(pytester: pytest.Pytester, report_dir: str = "reports") -> dict[str, Any]:
    results: dict[str, Any] = json.loads((pytester.path / report_dir / "results.json").read_text())
    return results


def by_id(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["id"].split("::", 1)[1]: check for check in results["checks"]}


def test_a_failing_check_rejects_the_run_with_exit_1_and_every_status_is_right(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_mixed=MIXED_SUITE)
    run = pytester.runpytest(*REPORT)
    assert run.ret == 1
    results = results_of(pytester)
    assert schema_problem(results) is None
    assert (results["verdict"], results["exit_code"]) == ("rejected", 1)
    checks = by_id(results)
    statuses = {name: check["status"] for name, check in checks.items()}
    assert statuses == {
        "test_passes": "passed",
        "test_fails": "failed",
        "test_raises": "failed",
        "test_skipped": "skipped",
        "test_restart_downtime": "confirmed-limitation",
        "test_errors_in_setup": "error",
        "test_parametrized_name[a/b]": "passed",
    }
    assert results["summary"] == {
        "passed": 2,
        "failed": 2,
        "flaky": 0,
        "skipped": 1,
        "error": 1,
        "confirmed-limitation": 1,
    }
    assert checks["test_fails"]["message"] == "the sum is wrong"
    assert checks["test_raises"]["message"] == "KeyError: 'missing-key'"
    assert checks["test_skipped"]["message"] == "no Loki declared"
    assert checks["test_errors_in_setup"]["message"] == "RuntimeError: fixture broke"
    assert checks["test_restart_downtime"]["message"] == (
        "confirmed: single point of failure (availability.app.downtime_s = 15.3)"
    )
    assert checks["test_passes"]["title"] == "The API answers within its budget."
    assert checks["test_parametrized_name[a/b]"]["title"] == "Parametrized name [a/b]"
    assert checks["test_fails"]["title"] == "Fails"  # its docstring explains: not a title
    assert checks["test_passes"]["evidence"] == {"answer_s": 1.5}
    assert checks["test_passes"]["requirement"] == "cluster-works"
    assert checks["test_restart_downtime"]["requirement"] == "single-point-of-failure"
    requirements = {r["id"]: r for r in results["requirements"]}
    assert requirements["cluster-works"]["status"] == "error"
    assert requirements["cluster-works"]["title"] == "The cluster works"
    assert requirements["single-point-of-failure"]["kind"] == "limitation"
    assert requirements["single-point-of-failure"]["status"] == "confirmed-limitation"
    # What failed is named right above the verdict, for a CI job's log.
    run.stdout.fnmatch_lines(
        [
            "acceptance: failed: Fails (*::test_fails): the sum is wrong",
            "acceptance: error: *test_errors_in_setup*: RuntimeError: fixture broke",
            "acceptance: REJECTED — 2 passed, 2 failed, 0 flaky, 1 skipped, 1 error, "
            "1 confirmed-limitation — reports/acceptance.*",
        ]
    )


def test_skips_and_confirmed_limitations_accept_the_run_with_exit_0(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_fine="""
import pytest

def test_passes():
    pass

def test_skipped():
    pytest.skip("not declared")

@pytest.mark.limitation("no failover")
def test_limit():
    pass
"""
    )
    run = pytester.runpytest(*REPORT)
    assert run.ret == 0
    results = results_of(pytester)
    assert (results["verdict"], results["exit_code"]) == ("accepted", 0)
    assert by_id(results)["test_passes"]["requirement"] == "test_fine"
    run.stdout.fnmatch_lines(["acceptance: ACCEPTED — *"])


def test_a_harness_fixture_that_raises_is_exit_2_even_beside_a_failing_check(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        """
import pytest
from homelab_acceptance.errors import ClusterError

@pytest.fixture(scope="session")
def cluster():
    raise ClusterError("debian://: the node did not become Ready within 120 s")
"""
    )
    pytester.makepyfile(
        test_needs_cluster="""
def test_needs_a_cluster(cluster):
    pass

def test_fails_anyway():
    assert False, "broken"
"""
    )
    run = pytester.runpytest(*REPORT)
    assert run.ret == 2
    results = results_of(pytester)
    assert (results["verdict"], results["exit_code"]) == ("error", 2)
    checks = by_id(results)
    assert checks["test_needs_a_cluster"]["status"] == "error"
    assert checks["test_needs_a_cluster"]["message"] == (
        "ClusterError: debian://: the node did not become Ready within 120 s"
    )
    run.stdout.fnmatch_lines(["acceptance: ERROR (cluster: debian://: the node did not *"])


def test_a_bad_cluster_spec_is_exit_4_before_any_check(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_needs_cluster="def test_needs_a_cluster(cluster):\n    pass\n")
    run = pytester.runpytest_subprocess(*REPORT, "--cluster", "bogus://x")
    assert run.ret == 4
    assert any("cluster spec 'bogus://x': unknown provider" in line for line in run.errlines)


def test_an_interrupted_run_is_exit_2_and_still_reported(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_interrupted="def test_first():\n    pass\n\ndef test_ctrl_c():\n"
        "    raise KeyboardInterrupt\n"
    )
    # In a process of its own: in-process, the interrupt would stop this session too.
    run = pytester.runpytest_subprocess(*REPORT)
    assert run.ret == 2
    results = results_of(pytester)
    assert (results["verdict"], results["exit_code"]) == ("error", 2)
    assert by_id(results)["test_first"]["status"] == "passed"


def test_a_collection_error_is_a_check_in_error_and_exit_2(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_broken="import no_such_module_here\n")
    run = pytester.runpytest(*REPORT)
    assert run.ret == 2
    check = results_of(pytester)["checks"][0]
    assert (check["id"], check["status"]) == ("test_broken.py", "error")
    assert check["message"] == "ModuleNotFoundError: No module named 'no_such_module_here'"


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "no such file"),
        ("{not json", "not JSON (line 1"),
        ('{"schema_version": "0"}', "not a results.json of schema 1"),
    ],
)
def test_a_missing_or_invalid_baseline_is_a_usage_error_with_one_line(
    pytester: pytest.Pytester, content: str | None, said: str
) -> None:
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    if content is not None:
        (pytester.path / "old.json").write_text(content)
    run = pytester.runpytest(*REPORT, "--baseline", "old.json")
    assert run.ret == 4
    errors = [line for line in run.errlines if line.strip()]
    assert len(errors) == 1, run.errlines
    assert f"--baseline {pytester.path / 'old.json'}: {said}" in errors[0]
    assert not (pytester.path / "reports").exists()


def test_a_selection_that_matches_nothing_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    run = pytester.runpytest(*REPORT, "-k", "no_such_check")
    assert run.ret == 4
    assert results_of(pytester)["verdict"] == "error"


def test_the_report_dir_is_created_where_asked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    run = pytester.runpytest(*REPORT, "--report-dir", "out/acceptance")
    assert run.ret == 0
    written = sorted(p.name for p in (pytester.path / "out" / "acceptance").iterdir())
    assert {"acceptance.md", "junit.xml", "results.json"} <= set(written)
    assert not [name for name in written if name.endswith(".tmp")]
    assert not (pytester.path / "reports").exists()


def test_junit_has_one_testcase_per_check_with_messages_figures_and_evidence(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_mixed=MIXED_SUITE)
    pytester.runpytest(*REPORT)
    root = ET.parse(pytester.path / "reports" / "junit.xml").getroot()
    cases = {case.get("name", "").split("::", 1)[1]: case for case in root.iter("testcase")}
    assert len(cases) == 7
    assert {case.get("classname") for case in cases.values()} == {"test_mixed"}
    failure = cases["test_fails"].find("failure")
    assert failure is not None
    assert failure.get("message") == "the sum is wrong"
    assert cases["test_errors_in_setup"].find("error") is not None
    skipped = cases["test_skipped"].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "no Loki declared"
    assert cases["test_passes"].find("failure") is None
    limit = cases["test_restart_downtime"]
    properties = {p.get("name"): p.get("value") for p in limit.iter("property")}
    assert properties["availability.app.downtime_s"] == "15.3"
    assert properties["requirement"] == "single-point-of-failure"
    system_out = limit.findtext("system-out")
    assert system_out is not None
    assert json.loads(system_out)["availability"]["api"]["downtime_s"] == 9.0
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("7", "2", "1")


def test_the_markdown_summary_names_failures_and_limitations_in_a_few_lines(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_mixed=MIXED_SUITE)
    pytester.runpytest(*REPORT)
    markdown = (pytester.path / "reports" / "acceptance.md").read_text()
    lines = markdown.splitlines()
    assert lines[0] == "## Homelab acceptance: REJECTED"
    assert "Verdict: **rejected** (exit code 1): 2 passed" in markdown
    assert "| `test_mixed.py::test_fails` | failed | the sum is wrong |" in lines
    assert (
        "| `test_mixed.py::test_errors_in_setup` | error | RuntimeError: fixture broke |" in lines
    )
    assert "| single point of failure | availability.app.downtime_s = 15.3 |" in lines
    assert "test_passes" not in markdown
    assert len(lines) < 60


def test_collecting_only_writes_no_report_and_keeps_pytests_exit_code(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_one="def test_one():\n    assert False\n")
    run = pytester.runpytest(*REPORT, "--collect-only")
    assert run.ret == 0
    assert not (pytester.path / "reports").exists()
    assert not [line for line in run.outlines if line.startswith("acceptance:")]
