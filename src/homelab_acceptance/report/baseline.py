"""Comparing a run with a previous one (`--baseline results.json`): which checks newly fail,
which were fixed, which turned flaky or steady, which appeared or went away, and which
timings got worse."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from homelab_acceptance.report.checks import BAD_STATUSES, FLAKY, GOOD_STATUSES
from homelab_acceptance.report.figures import timing_figures
from homelab_acceptance.report.schema import schema_problem

#: A timing regressed when it is worse by more than both of these (noise stays quiet).
REGRESSION_RATIO = 1.2
REGRESSION_MIN_S = 1.0


class BaselineError(Exception):
    """The baseline file cannot be used (missing, not JSON, not a results.json)."""


def load_baseline(path: Path) -> dict[str, Any]:
    try:
        results: Any = json.loads(path.read_text())
    except FileNotFoundError:
        raise BaselineError(f"--baseline {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise BaselineError(f"--baseline {path}: cannot be read ({error})") from None
    except json.JSONDecodeError as error:
        raise BaselineError(
            f"--baseline {path}: not JSON (line {error.lineno}: {error.msg})"
        ) from None
    problem = schema_problem(results)
    if problem is not None:
        raise BaselineError(f"--baseline {path}: not a results.json of schema 1 ({problem})")
    return dict(results)


def compare(baseline: dict[str, Any], checks: list[dict[str, Any]], path: Path) -> dict[str, Any]:
    """The results.json `baseline` block."""
    before = {check["id"]: check for check in baseline["checks"]}
    now = {check["id"]: check for check in checks}
    return {
        "path": str(path),
        "verdict": baseline["verdict"],
        "new_failures": _turned(
            now, before, lambda s: s in BAD_STATUSES, lambda was: was not in BAD_STATUSES
        ),
        "fixed": _turned(
            now, before, lambda s: s in GOOD_STATUSES, lambda was: was in BAD_STATUSES
        ),
        "new_flaky": _turned(now, before, lambda s: s == FLAKY, lambda was: was != FLAKY),
        "no_longer_flaky": _turned(
            now, before, lambda s: s in GOOD_STATUSES, lambda was: was == FLAKY
        ),
        "new_checks": [i for i in now if i not in before],
        "removed_checks": [i for i in before if i not in now],
        "regressions": [
            regression
            for i, c in now.items()
            if i in before
            for regression in _regressions(i, before[i]["evidence"], c["evidence"])
        ],
    }


def _turned(
    now: dict[str, dict[str, Any]],
    before: dict[str, dict[str, Any]],
    is_now: Callable[[str], bool],
    was: Callable[[str | None], bool],
) -> list[str]:
    """The checks whose status now `is_now` takes and whose baseline status (None: the
    baseline had no such check) `was` takes."""
    return [
        i
        for i, c in now.items()
        if is_now(c["status"]) and was(before[i]["status"] if i in before else None)
    ]


def _regressions(check: str, before: Any, now: Any) -> list[dict[str, Any]]:
    earlier = timing_figures(before)
    return [
        {"check": check, "figure": figure, "baseline": earlier[figure], "now": value}
        for figure, value in timing_figures(now).items()
        if figure in earlier
        and value > earlier[figure] * REGRESSION_RATIO
        and value - earlier[figure] > REGRESSION_MIN_S
    ]
