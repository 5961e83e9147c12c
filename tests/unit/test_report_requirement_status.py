"""A requirement's status in the report: any failure fails it, a flaky check (passed on a
retry) makes it flaky, a skipped check does not hide its siblings' passes, and it is skipped
only when none of its checks ran."""

from __future__ import annotations

import pytest

from homelab_acceptance.report.checks import requirement_status


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["passed", "skipped", "passed"], "passed"),
        (["passed", "failed", "skipped"], "failed"),
        (["failed", "error"], "error"),
        (["confirmed-limitation", "skipped"], "confirmed-limitation"),
        (["confirmed-limitation", "passed"], "confirmed-limitation"),
        (["skipped", "skipped"], "skipped"),
        (["passed", "flaky"], "flaky"),
        (["flaky", "confirmed-limitation"], "flaky"),
        (["flaky", "failed"], "failed"),
        (["flaky", "skipped"], "flaky"),
    ],
)
def test_a_requirement_takes_the_most_telling_status_of_its_checks(
    statuses: list[str], expected: str
) -> None:
    assert requirement_status(statuses) == expected
