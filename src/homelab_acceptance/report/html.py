"""acceptance.html: the page a reviewer opens to judge a run: the verdict, the homelab's
requirements and limitations with their checks, every check's evidence, drawn downtime windows,
and what changed since a baseline run.

One self-contained file: inline CSS and SVG, no script, and a Content-Security-Policy that
forbids every fetch, so the page opens the same offline, attached to a CI run, years later.
Everything taken from the results is escaped: evidence holds whatever a tool answered."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from homelab_acceptance.report.html_alert_timeline import alert_timeline_evidence
from homelab_acceptance.report.html_baseline import baseline_section
from homelab_acceptance.report.html_style import STYLESHEET, status_badge, status_class
from homelab_acceptance.report.html_timeline import has_timeline, timeline_svg

#: No fetch of any kind (no image, font, frame or connection); inline styles only.
_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

_COUNT_ORDER = ("passed", "failed", "error", "flaky", "skipped", "confirmed-limitation")
#: Counted on the page only when there are some (a run without --retries has no flake).
_SHOWN_WHEN_ANY = frozenset({"flaky"})
#: Listed first on the page, their evidence open: failures, and flakes (passed on a retry).
_NEEDS_ATTENTION = frozenset({"failed", "error", "flaky"})
_ENVIRONMENT = (
    ("provider", "Cluster"),
    ("kubernetes_version", "Kubernetes"),
    ("node_image", "Node image"),
    ("stack_path", "Stack"),
    ("stack_revision", "Stack revision"),
    ("harness_version", "Harness version"),
    ("started_at", "Started"),
    ("finished_at", "Finished"),
    ("duration_s", "Duration"),
)


def write_html(results: dict[str, Any], path: Path) -> None:
    """Write the page for `results` (results.json's shape, already redacted) to `path`,
    atomically: a reader never sees half a page, and a failed write leaves no stray file."""
    page = render_html(results)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(page)
        # mkstemp makes the file private; a report is for whoever may read the report dir.
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def render_html(results: Mapping[str, Any]) -> str:
    checks = [c for c in results.get("checks") or [] if isinstance(c, Mapping)]
    anchors = {str(check.get("id")): f"check-{n}" for n, check in enumerate(checks, start=1)}
    page = _Page(checks, anchors)
    verdict = str(results.get("verdict") or "error")
    environment = results.get("environment") or {}
    baseline = results.get("baseline")
    body = [
        _verdict_block(verdict, results, environment),
        page.attention(),
        _environment_section(environment),
        baseline_section(baseline, page.link) if isinstance(baseline, Mapping) else "",
        page.requirements_section(results.get("requirements") or []),
        page.checks_section(results.get("requirements") or []),
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CONTENT_SECURITY_POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Homelab acceptance: {escape(verdict)}</title>"
        f"<style>{STYLESHEET}</style></head>\n"
        "<body><main>\n" + "\n".join(part for part in body if part) + "\n</main></body></html>\n"
    )


class _Page:
    """The parts of the page that refer to checks, which link to each other by anchor."""

    def __init__(self, checks: list[Mapping[str, Any]], anchors: dict[str, str]) -> None:
        self._checks = checks
        self._anchors = anchors
        self._by_id = {str(check.get("id")): check for check in checks}

    def link(self, check_id: str) -> str:
        """A link to the check's entry, its title as text; its id alone if it is not here
        (e.g. a check the baseline had and this run has not)."""
        anchor = self._anchors.get(check_id)
        if anchor is None:
            return f"<code>{escape(check_id)}</code>"
        check = self._by_id[check_id]
        title = str(check.get("title") or check_id)
        return (
            f"{status_badge(str(check.get('status')))} "
            f'<a href="#{anchor}" title="{escape(check_id)}">{escape(title)}</a>'
        )

    def attention(self) -> str:
        failing = [c for c in self._checks if c.get("status") in _NEEDS_ATTENTION]
        if not failing:
            return ""
        items = "".join(f"<li>{self.link(str(check.get('id')))}</li>" for check in failing)
        return (
            f'<section id="attention"><h2>Needs attention ({len(failing)})</h2>'
            f'<ul class="check-links">{items}</ul></section>'
        )

    def requirements_section(self, requirements: Sequence[Any]) -> str:
        rows = [
            self._requirement_row(requirement)
            for requirement in requirements
            if isinstance(requirement, Mapping)
        ]
        if not rows:
            return (
                '<section id="requirements"><h2>Requirements and limitations</h2>'
                '<p class="muted">No requirement was checked.</p></section>'
            )
        return (
            '<section id="requirements"><h2>Requirements and limitations</h2>'
            '<table class="requirements"><thead><tr><th>Requirement</th><th>Kind</th>'
            "<th>Status</th><th>Checks</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table></section>"
        )

    def _requirement_row(self, requirement: Mapping[str, Any]) -> str:
        check_ids = [str(check_id) for check_id in requirement.get("checks") or []]
        links = "".join(f"<li>{self.link(check_id)}</li>" for check_id in check_ids)
        requirement_id = str(requirement.get("id") or "")
        return (
            f'<tr class="requirement" data-requirement="{escape(requirement_id)}">'
            f"<td>{escape(str(requirement.get('title') or requirement_id))}<br>"
            f'<code class="muted">{escape(requirement_id)}</code></td>'
            f"<td>{escape(str(requirement.get('kind') or ''))}</td>"
            f"<td>{status_badge(str(requirement.get('status')))}</td>"
            f'<td><ul class="check-links">{links}</ul></td></tr>'
        )

    def checks_section(self, requirements: Sequence[Any]) -> str:
        """Every check, grouped under its requirement in the table's order; checks of no
        listed requirement come last, so none is left off the page."""
        titles = {
            str(r.get("id")): str(r.get("title") or r.get("id"))
            for r in requirements
            if isinstance(r, Mapping)
        }
        groups: dict[str, list[Mapping[str, Any]]] = {key: [] for key in titles}
        for check in self._checks:
            key = str(check.get("requirement"))
            groups.setdefault(key if key in titles else "", []).append(check)
        parts = [f'<section id="checks"><h2>Checks ({len(self._checks)})</h2>']
        for key, checks in groups.items():
            if checks:
                parts.append(f"<h3>{escape(titles.get(key, 'Other checks'))}</h3>")
                parts += [self._check_entry(check) for check in checks]
        parts.append("</section>")
        return "\n".join(parts)

    def _check_entry(self, check: Mapping[str, Any]) -> str:
        check_id = str(check.get("id"))
        status = str(check.get("status"))
        evidence = check.get("evidence")
        message = str(check.get("message") or "")
        return (
            f'<article class="check {status_class(status)}" id="{self._anchors[check_id]}" '
            f'data-status="{escape(status)}">'
            f'<div class="check-head">{status_badge(status)}'
            f'<span class="check-title">{escape(str(check.get("title") or check_id))}</span>'
            f'<span class="muted">{_duration(check.get("duration_s"))}</span></div>'
            f'<code class="check-id">{escape(check_id)}</code>'
            + (f'<p class="message">{escape(message)}</p>' if message else "")
            + _attempts(check.get("attempts"))
            + (_timeline(evidence) if isinstance(evidence, Mapping) else "")
            + _evidence(evidence, open_=status in _NEEDS_ATTENTION)
            + _forensics_link(check.get("artifacts"))
            + "</article>"
        )


def _attempts(attempts: object) -> str:
    """The failures of a retried check's attempts before its last (--retries)."""
    if not isinstance(attempts, list) or not attempts:
        return ""
    items = "".join(
        f"<li>attempt {n} failed: {escape(str(failure))}</li>"
        for n, failure in enumerate(attempts, start=1)
    )
    return f'<ul class="attempts">{items}</ul>'


def _forensics_link(artifacts: object) -> str:
    """A link to the failed check's forensics bundle (a folder beside the report)."""
    if not isinstance(artifacts, str) or not artifacts:
        return ""
    href = escape(f"{artifacts}README.txt")
    return (
        f'<p class="forensics">Forensics (events, objects, logs, node state): '
        f'<a href="{href}">{escape(artifacts)}</a></p>'
    )


def _verdict_block(verdict: str, results: Mapping[str, Any], environment: Any) -> str:
    summary = results.get("summary") or {}
    counts = "".join(
        f"<li>{status_badge(status)} <strong>{escape(str(summary.get(status, 0)))}</strong></li>"
        for status in _COUNT_ORDER
        if status not in _SHOWN_WHEN_ANY or summary.get(status)
    )
    where = environment.get("provider") if isinstance(environment, Mapping) else None
    when = environment.get("started_at") if isinstance(environment, Mapping) else None
    return (
        "<header><h1>Homelab acceptance</h1>"
        f'<p class="muted">{escape(str(when or "unknown time"))} on '
        f"{escape(str(where or 'an unknown cluster'))}</p></header>"
        f'<section class="verdict {status_class(verdict)}" id="verdict" '
        f'data-verdict="{escape(verdict)}">'
        f'<div><div class="word">{escape(verdict)}</div>'
        f'<div class="muted">exit code {escape(str(results.get("exit_code", "?")))}</div></div>'
        f'<ul class="counts">{counts}</ul></section>'
    )


def _environment_section(environment: Any) -> str:
    if not isinstance(environment, Mapping):
        return ""
    rows = "".join(
        f"<dt>{label}</dt><dd>{_environment_value(key, environment)}</dd>"
        for key, label in _ENVIRONMENT
    )
    return (
        '<section id="environment"><h2>Environment</h2>'
        f'<dl class="environment">{rows}</dl></section>'
    )


def _environment_value(key: str, environment: Mapping[str, Any]) -> str:
    value = environment.get(key)
    if value is None:
        return '<span class="muted">unknown</span>'
    if key == "duration_s":
        return _duration(value)
    shown = f"<code>{escape(str(value))}</code>"
    if key == "stack_revision" and environment.get("stack_dirty"):
        return f"{shown} with uncommitted changes"
    return shown


def _duration(seconds: Any) -> str:
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        return ""
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def _timeline(evidence: Mapping[str, Any]) -> str:
    alert = alert_timeline_evidence(evidence)
    if alert is not None:
        return (
            '<figure class="availability">'
            + timeline_svg(alert)
            + '<figcaption class="legend">Seconds after the alert\'s cause was produced. Red '
            "bar: firing in Prometheus; dashed line: when each step was seen (pending, in "
            "Alertmanager, notified, the cause undone, resolved in Alertmanager, the resolved "
            "notification).</figcaption></figure>"
        )
    if not has_timeline(evidence):
        return ""
    return (
        '<figure class="availability">'
        + timeline_svg(evidence)
        + '<figcaption class="legend">Seconds after the disruption. Red bar: from the first to '
        "the last failed probe; green tick: answering again; dashed line: when the named "
        "event happened.</figcaption></figure>"
    )


def _evidence(evidence: Any, open_: bool) -> str:
    if not evidence:
        return '<p class="muted evidence-none">No evidence recorded.</p>'
    fields = ", ".join(str(key) for key in evidence) if isinstance(evidence, Mapping) else ""
    text = json.dumps(evidence, indent=2, ensure_ascii=False, default=str)
    return (
        f"<details{' open' if open_ else ''}><summary>Evidence"
        f"{': ' + escape(fields) if fields else ''}</summary>"
        f'<pre class="evidence">{escape(text)}</pre></details>'
    )
