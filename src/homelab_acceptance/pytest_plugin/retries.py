"""`--retries N`: a check whose call failed is run again, up to N times; one that passes on a
retry is reported as `flaky` (its own status), with the one-line failure of each earlier
attempt (`attempts` in results.json). Only the last attempt's reports reach pytest, so its
counts, `-x` and its own `--junitxml` see the outcome that stands.

Between attempts only the check's own (function-scoped) fixtures are torn down and set up
again: the cluster, the provisioned stack and every wider fixture stay up. Not retried: a
check whose setup failed (pytest keeps a wider fixture's failure, a retry would fail the same
way), a `disruptive` one (a node restart or drain is not repeated to hide a flake), and any
check once the session is stopping (`-x`, an interrupt).
"""

from __future__ import annotations

from typing import Any

import pytest
from _pytest.nodes import Node
from _pytest.runner import call_and_report, show_test_item

from homelab_acceptance.pytest_plugin.options import run_options
from homelab_acceptance.pytest_plugin.session_state import progress_printer
from homelab_acceptance.report.checks import one_line

#: The one-line failures of a check's attempts so far, set once it has been retried.
attempts_key = pytest.StashKey[list[str]]()
#: How pytest's crash line starts for an assertion and for pytest.fail.
_PLAIN_FAILURES = ("AssertionError: ", "Failed: ")


def failed_attempts(item: pytest.Item) -> list[str]:
    """The failures of the check's attempts before the running one (none: its first)."""
    failures: list[str] = item.stash.get(attempts_key, [])
    return list(failures)


def passed_on_retry(failures: list[str], retries: int) -> str:
    """A flaky check's one-line message."""
    return one_line(
        f"passed on attempt {len(failures) + 1} of {retries + 1}; attempt 1 failed: {failures[0]}"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    retries = run_options(item.config).retries
    if retries == 0 or item.get_closest_marker("disruptive") is not None:
        return None  # pytest's own protocol runs it once
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    properties = list(item.user_properties)
    failures: list[str] = []
    while True:
        reports, failure = _attempt(item, nextitem, may_retry=len(failures) < retries)
        if failure is None:
            break
        failures.append(failure)
        item.stash[attempts_key] = list(failures)
        item.user_properties[:] = properties  # the next attempt records its own evidence
        progress_printer(item.config)(
            f"retrying {item.nodeid} (attempt {len(failures) + 1} of {retries + 1}): {failure}"
        )
    for report in reports:
        item.ihook.pytest_runtest_logreport(report=report)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


def _attempt(
    item: pytest.Item, nextitem: pytest.Item | None, may_retry: bool
) -> tuple[list[pytest.TestReport], str | None]:
    """One run of the check's setup, call and teardown, none of them logged yet (pytest's
    runtestprotocol, deciding between call and teardown): with the call's one-line failure
    when it is to be retried, and then its teardown keeps every fixture wider than the
    check's own."""
    function: Any = item
    if hasattr(function, "_request") and not function._request:  # torn down by an attempt
        function._initrequest()
    retry: str | None = None
    try:
        setup = call_and_report(item, "setup", log=False)
        reports = [setup]
        setup_only = item.config.getoption("setuponly", False)
        if setup.passed and item.config.getoption("setupshow", False):
            show_test_item(item, add_space=not setup_only)
        if setup.passed and not setup_only:
            call = call_and_report(item, "call", log=False)
            reports.append(call)
            if may_retry and call.failed and not _stopping(item):
                retry = failure_line(call)
        after = _SameParents(item) if retry is not None else nextitem
        if _stopping(item):
            after = None  # pytest tears everything down then (its #11706)
        reports.append(call_and_report(item, "teardown", log=False, nextitem=after))
    finally:
        if hasattr(function, "_request"):
            function._request = False
            function.funcargs = None
    return reports, retry


def _stopping(item: pytest.Item) -> bool:
    return bool(item.session.shouldfail or item.session.shouldstop)


def failure_line(report: pytest.TestReport) -> str:
    """The failed call's one line, as the report words a failure: its exception's (an
    assertion's or pytest.fail's without its type), else the first of its report."""
    crash = getattr(report.longrepr, "reprcrash", None)
    text = one_line(crash.message if crash is not None else report.longreprtext)
    for plain in _PLAIN_FAILURES:
        text = text.removeprefix(plain)
    return text or "failed"


class _SameParents:
    """What the teardown of an attempt to be retried is told comes next: an item under the
    same parents. pytest's SetupState.teardown_exact keeps the nodes that the next item's
    listchain() names, so only the check itself (its function-scoped fixtures) is torn down;
    passing the check itself would tear nothing down, and its fixtures would not be set up
    again."""

    def __init__(self, item: pytest.Item) -> None:
        self._parents = item.listchain()[:-1]

    def listchain(self) -> list[Node]:
        return list(self._parents)
