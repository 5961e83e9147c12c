"""A check's outcome as the report keeps it, and how statuses rank when several checks (or
phases of one check) meet."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

PASSED = "passed"
FAILED = "failed"
SKIPPED = "skipped"
ERROR = "error"
CONFIRMED_LIMITATION = "confirmed-limitation"
#: Passed on a retry (--retries) after its earlier attempts failed.
FLAKY = "flaky"

#: A requirement takes the first of these among its checks' statuses: any failure makes it
#: fail; otherwise a flake, a confirmed limitation or a pass speaks for it, and it is
#: "skipped" only when none of its checks ran (one skipped check must not hide the others'
#: passes).
STATUS_PRECEDENCE = (ERROR, FAILED, FLAKY, CONFIRMED_LIMITATION, PASSED, SKIPPED)
#: The order of results.json's summary and of the run's final line.
SUMMARY_ORDER = (PASSED, FAILED, FLAKY, SKIPPED, ERROR, CONFIRMED_LIMITATION)
BAD_STATUSES = frozenset({ERROR, FAILED})
GOOD_STATUSES = frozenset({PASSED, CONFIRMED_LIMITATION})

#: A longer message is cut: the report shows one line per check.
MESSAGE_LIMIT = 300


@dataclass(frozen=True)
class Requirement:
    """A documented requirement or limitation of the homelab that checks are grouped under."""

    id: str
    title: str
    kind: str  # "requirement" | "limitation"


@dataclass
class CheckRecord:
    id: str
    title: str
    requirement: Requirement
    status: str = PASSED
    duration_s: float = 0.0
    message: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    #: The forensics bundle of a failed check, relative to the report dir (artifacts/…/).
    artifacts: str | None = None
    #: The one-line failures of the attempts before the last (--retries), in order.
    attempts: list[str] = field(default_factory=list)

    def as_result(self) -> dict[str, Any]:
        result = {
            "id": self.id,
            "title": self.title,
            "requirement": self.requirement.id,
            "status": self.status,
            "duration_s": round(self.duration_s, 3),
            "message": self.message,
            "evidence": self.evidence,
        }
        if self.artifacts is not None:
            result["artifacts"] = self.artifacts
        if self.attempts:
            result["attempts"] = list(self.attempts)
        return result


def requirement_status(statuses: list[str]) -> str:
    for status in STATUS_PRECEDENCE:
        if status in statuses:
            return status
    return PASSED


def one_line(text: str) -> str:
    """The first non-empty line, cut to MESSAGE_LIMIT characters."""
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= MESSAGE_LIMIT else line[: MESSAGE_LIMIT - 1] + "…"


def slug(name: str) -> str:
    """A requirement id from a limitation's name: "single point of failure" →
    "single-point-of-failure"."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
