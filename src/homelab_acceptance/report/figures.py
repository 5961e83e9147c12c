"""The numbers in a check's evidence, by dotted key path: what junit.xml lists as properties,
what acceptance.md quotes for a confirmed limitation, what a baseline comparison weighs."""

from __future__ import annotations

from typing import Any


def numeric_figures(evidence: Any, prefix: str = "") -> dict[str, float]:
    """Every number under the evidence, e.g. {"availability.sample-app.downtime_s": 15.3}."""
    found: dict[str, float] = {}
    if isinstance(evidence, dict):
        for key, value in evidence.items():
            found.update(numeric_figures(value, f"{prefix}{key}."))
    elif isinstance(evidence, int | float) and not isinstance(evidence, bool):
        found[prefix.removesuffix(".")] = float(evidence)
    return found


def timing_figures(evidence: Any) -> dict[str, float]:
    """The figures in seconds (key ending `_s`): the ones where more is worse."""
    return {path: value for path, value in numeric_figures(evidence).items() if _is_timing(path)}


def key_figure(evidence: Any) -> tuple[str, float] | None:
    """The one figure that sums a check up: the longest downtime if any, else its first timing,
    else its first number."""
    figures = numeric_figures(evidence)
    downtimes = {p: v for p, v in figures.items() if p.rsplit(".", 1)[-1] == "downtime_s"}
    if downtimes:
        return max(downtimes.items(), key=lambda item: item[1])
    timings = [(p, v) for p, v in figures.items() if _is_timing(p)]
    if timings:
        return timings[0]
    return next(iter(figures.items()), None)


def _is_timing(path: str) -> bool:
    return path.rsplit(".", 1)[-1].endswith("_s")
