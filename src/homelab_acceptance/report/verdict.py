"""The gate: a run's verdict and exit code from its checks and how pytest ended.

0 accepted  no check failed or errored (skips, confirmed limitations and flaky checks, which
            passed on a retry, are fine)
1 rejected  a check failed (or errored in its own fixtures), or with fail_on_flaky
            (--fail-on-flaky) a check was flaky
2 error     the harness could not run: the cluster or the stack could not be brought up,
            collection failed, or the run was interrupted
4 error     usage: bad options or a selection that matched no check
"""

from __future__ import annotations

from dataclasses import dataclass

from homelab_acceptance.report.checks import BAD_STATUSES, FLAKY

ACCEPTED = "accepted"
REJECTED = "rejected"
ERROR = "error"

# How pytest itself ended (the values of pytest.ExitCode; this layer does not import pytest).
PYTEST_TESTS_FAILED = 1
PYTEST_INTERRUPTED = 2
PYTEST_INTERNAL_ERROR = 3
PYTEST_USAGE_ERROR = 4
PYTEST_NO_TESTS_COLLECTED = 5


@dataclass(frozen=True)
class Verdict:
    name: str
    exit_code: int


def decide(
    statuses: list[str], harness_failed: bool, pytest_exit: int, fail_on_flaky: bool = False
) -> Verdict:
    if pytest_exit == PYTEST_USAGE_ERROR:
        return Verdict(ERROR, 4)
    if harness_failed or pytest_exit in {PYTEST_INTERRUPTED, PYTEST_INTERNAL_ERROR}:
        return Verdict(ERROR, 2)
    if pytest_exit == PYTEST_NO_TESTS_COLLECTED:
        return Verdict(ERROR, 4)
    if pytest_exit == PYTEST_TESTS_FAILED or BAD_STATUSES.intersection(statuses):
        return Verdict(REJECTED, 1)
    if fail_on_flaky and FLAKY in statuses:
        return Verdict(REJECTED, 1)
    return Verdict(ACCEPTED, 0)
