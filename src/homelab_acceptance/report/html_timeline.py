"""The drawn downtime window of a disruption check (a node restart, a drain): one row per probed
target on a shared time axis, so a reviewer sees at a glance which components went down, for how
long, and how that lines up with the node coming back.

Inline SVG only: the page must open without any asset or script."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

#: The availability figures of one target (see `checks/outages.py`, `Availability.as_evidence`).
_FIGURES = "downtime_s"
#: A drain's evidence holds the figures of its one target directly, not keyed by target.
_SINGLE_TARGET = "probed target"

_LABEL_WIDTH = 190
_FIGURE_WIDTH = 110
_PLOT_WIDTH = 560
_ROW_HEIGHT = 30
_TOP = 34
_AXIS_HEIGHT = 30
_BAR_HEIGHT = 14
_LABEL_LINE = 13
_STEPS_S = (0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600)


@dataclass(frozen=True)
class _Row:
    target: str
    first_failure_s: float | None
    last_failure_s: float | None
    downtime_s: float
    recovered_after_s: float | None
    #: What the bar shows the target to be: down (a disruption), firing (an alert).
    state: str = "down"


@dataclass(frozen=True)
class _Marker:
    """A moment on the axis that explains the rows, e.g. when the node was ready again."""

    label: str
    at_s: float


def has_timeline(evidence: Mapping[str, Any]) -> bool:
    """Whether the check recorded availability figures to draw."""
    return bool(_rows(evidence))


def timeline_svg(evidence: Mapping[str, Any]) -> str:
    """The SVG of the evidence's availability rows and `*_after_s` markers ('' if none)."""
    rows = _rows(evidence)
    if not rows:
        return ""
    markers = _markers(evidence)
    end_s = _axis_end(rows, markers)
    marker_parts, levels = _marker_lines(markers, end_s, len(rows))
    # Stacked marker labels grow the drawing upwards: the view box starts above 0 for them.
    above = (levels - 1) * _LABEL_LINE
    height = _TOP + len(rows) * _ROW_HEIGHT + _AXIS_HEIGHT + above
    width = _LABEL_WIDTH + _PLOT_WIDTH + _FIGURE_WIDTH
    summary = "; ".join(_row_sentence(row) for row in rows)
    parts = [
        f'<svg class="timeline" role="img" '
        f'viewBox="0 {-above} {width} {height}" width="{width}" height="{height}" '
        f'aria-label="{escape(summary)}">',
        f'<rect class="tl-plot" x="{_LABEL_WIDTH}" y="{_TOP - 6}" width="{_PLOT_WIDTH}" '
        f'height="{len(rows) * _ROW_HEIGHT + 6}"/>',
    ]
    parts += _axis(end_s, len(rows))
    for index, row in enumerate(rows):
        parts += _row(row, index, end_s)
    parts += marker_parts
    parts.append("</svg>")
    return "\n".join(parts)


def _rows(evidence: Mapping[str, Any]) -> list[_Row]:
    availability = evidence.get("availability")
    if not isinstance(availability, Mapping):
        return []
    if _FIGURES in availability:
        return [_row_of(_SINGLE_TARGET, availability)]
    return [
        _row_of(str(target), figures)
        for target, figures in availability.items()
        if isinstance(figures, Mapping) and _FIGURES in figures
    ]


def _row_of(target: str, figures: Mapping[str, Any]) -> _Row:
    return _Row(
        target=target,
        first_failure_s=_seconds(figures.get("first_failure_s")),
        last_failure_s=_seconds(figures.get("last_failure_s")),
        downtime_s=_seconds(figures.get(_FIGURES)) or 0.0,
        recovered_after_s=_seconds(figures.get("recovered_after_s")),
        state=str(figures.get("state", "down")),
    )


def _markers(evidence: Mapping[str, Any]) -> list[_Marker]:
    found = [
        _Marker(key.removesuffix("_after_s").replace("_", " "), seconds)
        for key, value in evidence.items()
        if key.endswith("_after_s") and (seconds := _seconds(value)) is not None
    ]
    return sorted(found, key=lambda marker: marker.at_s)


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _axis_end(rows: list[_Row], markers: list[_Marker]) -> float:
    """The axis runs past the last thing drawn by a tenth, so nothing sits on its edge."""
    moments = [marker.at_s for marker in markers]
    for row in rows:
        moments += [
            m for m in (row.first_failure_s, row.last_failure_s, row.recovered_after_s) if m
        ]
    latest = max(moments, default=0.0)
    return latest * 1.1 if latest > 0 else 1.0


def _x(seconds: float, end_s: float) -> float:
    return round(_LABEL_WIDTH + max(0.0, min(seconds, end_s)) / end_s * _PLOT_WIDTH, 1)


def _axis(end_s: float, row_count: int) -> list[str]:
    step = next((s for s in _STEPS_S if end_s / s <= 8), _STEPS_S[-1])
    bottom = _TOP + row_count * _ROW_HEIGHT
    parts = [
        f'<line class="tl-axis" x1="{_LABEL_WIDTH}" y1="{bottom}" '
        f'x2="{_LABEL_WIDTH + _PLOT_WIDTH}" y2="{bottom}"/>'
    ]
    for tick in range(math.floor(end_s / step) + 1):
        seconds = tick * step
        x = _x(seconds, end_s)
        parts.append(
            f'<line class="tl-grid" x1="{x}" y1="{_TOP - 6}" x2="{x}" y2="{bottom + 4}"/>'
            f'<text class="tl-tick" x="{x}" y="{bottom + 18}" text-anchor="middle">'
            f"{seconds:g} s</text>"
        )
    return parts


def _row(row: _Row, index: int, end_s: float) -> list[str]:
    y = _TOP + index * _ROW_HEIGHT
    middle = y + _ROW_HEIGHT / 2
    parts = [
        f"<g><title>{escape(row.target)}</title>"
        f'<text class="tl-target" x="{_LABEL_WIDTH - 10}" y="{middle + 4}" '
        f'text-anchor="end">{escape(_shortened(row.target))}</text></g>',
        f'<line class="tl-up" x1="{_LABEL_WIDTH}" y1="{middle}" '
        f'x2="{_LABEL_WIDTH + _PLOT_WIDTH}" y2="{middle}"/>',
    ]
    if row.first_failure_s is not None:
        start = _x(row.first_failure_s, end_s)
        stop = end_s if row.recovered_after_s is None else (row.last_failure_s or 0.0)
        width = max(_x(stop, end_s) - start, 2.0)
        still_down = " tl-still-down" if row.recovered_after_s is None else ""
        parts.append(
            f'<rect class="tl-down{still_down}" x="{start}" y="{middle - _BAR_HEIGHT / 2}" '
            f'width="{round(width, 1)}" height="{_BAR_HEIGHT}" rx="2">'
            f"<title>{escape(_row_sentence(row))}</title></rect>"
        )
    if row.recovered_after_s:
        x = _x(row.recovered_after_s, end_s)
        parts.append(
            f'<line class="tl-back" x1="{x}" y1="{middle - _BAR_HEIGHT / 2 - 3}" '
            f'x2="{x}" y2="{middle + _BAR_HEIGHT / 2 + 3}"/>'
        )
    parts.append(
        f'<text class="tl-figure" x="{_LABEL_WIDTH + _PLOT_WIDTH + 10}" y="{middle + 4}">'
        f"{escape(_figure(row))}</text>"
    )
    return parts


def _marker_lines(markers: list[_Marker], end_s: float, row_count: int) -> tuple[list[str], int]:
    """The marker lines with their labels, and how many label levels they needed."""
    bottom = _TOP + row_count * _ROW_HEIGHT
    start_label = "0 s: disruption"
    parts = [
        f'<line class="tl-restart" x1="{_LABEL_WIDTH}" y1="{_TOP - 10}" '
        f'x2="{_LABEL_WIDTH}" y2="{bottom}"/>'
        f'<text class="tl-marker-label" x="{_LABEL_WIDTH}" y="{_label_y(0)}">{start_label}</text>'
    ]
    # Each label level remembers where its last label ends, so close markers stack upwards
    # instead of printing over each other.
    level_ends = [_LABEL_WIDTH + _text_width(start_label)]
    for marker in markers:
        x = _x(marker.at_s, end_s)
        label = f"{marker.label} {marker.at_s:g} s"
        left = x - _text_width(label) / 2
        level = next((i for i, end in enumerate(level_ends) if end + 6 < left), len(level_ends))
        if level == len(level_ends):
            level_ends.append(0.0)
        level_ends[level] = x + _text_width(label) / 2
        parts.append(
            f'<line class="tl-marker" x1="{x}" y1="{_label_y(level) + 4}" x2="{x}" '
            f'y2="{bottom}"/><text class="tl-marker-label" x="{x}" y="{_label_y(level)}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    return parts, len(level_ends)


def _label_y(level: int) -> float:
    return _TOP - 14 - level * _LABEL_LINE


def _text_width(text: str) -> float:
    """A generous estimate (the page cannot measure text without a script)."""
    return len(text) * 6.5


def _figure(row: _Row) -> str:
    if row.first_failure_s is None:
        return f"never {row.state}"
    if row.recovered_after_s is None:
        return f"{row.state} {row.downtime_s:g} s, not back"
    return f"{row.state} {row.downtime_s:g} s"


def _row_sentence(row: _Row) -> str:
    if row.first_failure_s is None:
        return f"{row.target}: never {row.state}"
    back = (
        "not back when probing stopped"
        if row.recovered_after_s is None
        else f"back at {row.recovered_after_s:g} s"
    )
    return (
        f"{row.target}: {'failing' if row.state == 'down' else row.state} from "
        f"{row.first_failure_s:g} s to {row.last_failure_s:g} s, "
        f"{row.state} {row.downtime_s:g} s in total, {back}"
    )


def _shortened(target: str, limit: int = 26) -> str:
    return target if len(target) <= limit else target[: limit - 1] + "…"
