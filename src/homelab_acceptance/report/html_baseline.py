"""The page's "since the baseline" block: what a reviewer of an infrastructure change asks first
(what broke, what was fixed, which downtime or timing got worse), each check linked to its
evidence further down the page."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

from homelab_acceptance.report.html_style import status_badge

#: check id -> a link to it on the page (or its id in <code> if it is not on the page).
CheckLink = Callable[[str], str]

_LISTS = (
    ("new_failures", "New failures", "no check that passed in the baseline fails now"),
    ("fixed", "Fixed", "no check that failed in the baseline passes now"),
    ("new_flaky", "Newly flaky", "no check is flaky now that was not flaky in the baseline"),
    ("no_longer_flaky", "No longer flaky", "no check that was flaky in the baseline passes now"),
    ("new_checks", "New checks", "no check was added"),
    ("removed_checks", "Removed checks", "no check was removed"),
)


def baseline_section(baseline: Mapping[str, Any], link: CheckLink) -> str:
    verdict = str(baseline.get("verdict") or "unknown")
    parts = [
        '<section id="baseline"><h2>Since the baseline</h2>',
        f"<p>Compared with <code>{escape(str(baseline.get('path') or '?'))}</code>, "
        f"whose verdict was {status_badge(verdict)}.</p>",
        _regressions(baseline.get("regressions") or [], link),
    ]
    for key, heading, none in _LISTS:
        parts.append(_check_list(key, heading, none, baseline.get(key) or [], link))
    parts.append("</section>")
    return "\n".join(parts)


def _check_list(
    key: str, heading: str, none: str, check_ids: Sequence[Any], link: CheckLink
) -> str:
    if not check_ids:
        return f'<h3>{heading}</h3><p class="muted baseline-{key}">None: {none}.</p>'
    items = "".join(f"<li>{link(str(check_id))}</li>" for check_id in check_ids)
    return (
        f'<h3>{heading} ({len(check_ids)})</h3><ul class="check-links baseline-{key}">{items}</ul>'
    )


def _regressions(regressions: Sequence[Any], link: CheckLink) -> str:
    if not regressions:
        return (
            '<h3>Regressions</h3><p class="muted baseline-regressions">'
            "None: no downtime or timing figure got worse.</p>"
        )
    rows = "".join(_regression_row(r, link) for r in regressions if isinstance(r, Mapping))
    return (
        f"<h3>Regressions ({len(regressions)})</h3>"
        '<table class="baseline-regressions"><thead><tr><th>Check</th><th>Figure</th>'
        "<th>Baseline → now</th><th>Change</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _regression_row(regression: Mapping[str, Any], link: CheckLink) -> str:
    old, new = regression.get("baseline"), regression.get("now")
    return (
        f"<tr><td>{link(str(regression.get('check', '?')))}</td>"
        f"<td><code>{escape(str(regression.get('figure', '?')))}</code></td>"
        f'<td>{_value(old)}<span class="arrow" aria-label="became">→</span>'
        f'<span class="worse">{_value(new)}</span></td>'
        f"<td>{_change(old, new)}</td></tr>"
    )


def _value(value: Any) -> str:
    return escape(f"{value:g}" if isinstance(value, float) else str(value))


def _change(old: Any, new: Any) -> str:
    numbers = (int, float)
    if not (isinstance(old, numbers) and isinstance(new, numbers)) or isinstance(old, bool):
        return ""
    change = f"{new - old:+.2f}"
    return escape(change if old == 0 else f"{change} ({(new - old) / abs(old):+.0%})")
