"""A preflight finding: one line saying what was looked at, what was seen and how to fix it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum


class Level(Enum):
    OK = "ok"
    #: The run works around it (capabilities mode, NodePorts above 40000) or may trip on it.
    WARN = "warn"
    #: The run will fail on it: the acceptance run should not start.
    FAIL = "fail"


@dataclass(frozen=True)
class Finding:
    level: Level
    what: str
    seen: str
    fix: str = ""

    def line(self) -> str:
        fix = f" — {self.fix}" if self.fix and self.level is not Level.OK else ""
        return f"{self.level.value:<4}  {self.what}: {self.seen}{fix}"


def ok(what: str, seen: str) -> Finding:
    return Finding(Level.OK, what, seen)


def warn(what: str, seen: str, fix: str) -> Finding:
    return Finding(Level.WARN, what, seen, fix)


def fail(what: str, seen: str, fix: str) -> Finding:
    return Finding(Level.FAIL, what, seen, fix)


def any_failed(findings: Sequence[Finding]) -> bool:
    return any(finding.level is Level.FAIL for finding in findings)
