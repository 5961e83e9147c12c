"""acceptance.md: the run in a few lines, fit for a pull-request comment. The details are in
acceptance.html and results.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homelab_acceptance.report.atomic import write_redacted
from homelab_acceptance.report.checks import BAD_STATUSES, CONFIRMED_LIMITATION, FLAKY
from homelab_acceptance.report.figures import key_figure
from homelab_acceptance.report.redaction import Redactor

#: Rows per table: a comment stays readable when everything fails.
MAX_ROWS = 12


def write_acceptance_md(results: dict[str, Any], path: Path, redactor: Redactor) -> None:
    write_redacted(path, render_markdown(redactor.redact(results)), redactor)


def render_markdown(results: dict[str, Any]) -> str:
    lines = [f"## Homelab acceptance: {results['verdict'].upper()}", "", *_headline(results)]
    checks = results["checks"]
    failed = [c for c in checks if c["status"] in BAD_STATUSES]
    if failed:
        lines += ["", "### Failed checks", "", "| check | status | message |", "|---|---|---|"]
        lines += [
            f"| `{_cell(c['id'])}` | {c['status']} | {_cell(c['message'])}"
            + (f" ([forensics]({c['artifacts']}README.txt))" if c.get("artifacts") else "")
            + " |"
            for c in failed[:MAX_ROWS]
        ]
        lines += _more(len(failed), columns=3)
    flaky = [c for c in checks if c["status"] == FLAKY]
    if flaky:
        lines += [
            "",
            "### Flaky checks (passed on a retry)",
            "",
            "| check | attempts |",
            "|---|---|",
        ]
        lines += [f"| `{_cell(c['id'])}` | {_cell(_attempts(c))} |" for c in flaky[:MAX_ROWS]]
        lines += _more(len(flaky), columns=2)
    limitations = [c for c in checks if c["status"] == CONFIRMED_LIMITATION]
    if limitations:
        titles = {r["id"]: r["title"] for r in results["requirements"]}
        lines += ["", "### Confirmed limitations", "", "| limitation | key figure |", "|---|---|"]
        lines += [
            f"| {_cell(titles.get(c['requirement'], c['requirement']))} | "
            f"{_figure(c['evidence'])} |"
            for c in limitations[:MAX_ROWS]
        ]
        lines += _more(len(limitations), columns=2)
    if results["baseline"] is not None:
        lines += ["", *_baseline_changes(results["baseline"])]
    return "\n".join(lines) + "\n"


def _headline(results: dict[str, Any]) -> list[str]:
    summary = results["summary"]
    counts = ", ".join(f"{count} {status}" for status, count in summary.items())
    environment = results["environment"]
    revision = environment["stack_revision"]
    where = f"stack `{environment['stack_path'] or 'none'}`"
    if revision:
        where += f" at `{revision[:12]}`"
        if environment["stack_dirty"]:
            where += " (uncommitted changes)"
    cluster = environment["provider"] or "no cluster"
    if environment["kubernetes_version"]:
        cluster += f" (Kubernetes {environment['kubernetes_version']})"
    return [
        f"Verdict: **{results['verdict']}** (exit code {results['exit_code']}): {counts}, "
        f"in {environment['duration_s']} s.",
        f"Ran {where} on {cluster} with homelab-acceptance {environment['harness_version']}.",
    ]


def _baseline_changes(baseline: dict[str, Any]) -> list[str]:
    lines = [f"### Since the baseline ({baseline['verdict']}, `{_cell(baseline['path'])}`)", ""]
    for key, what in (
        ("new_failures", "new failures"),
        ("fixed", "fixed"),
        ("new_flaky", "newly flaky"),
        ("no_longer_flaky", "no longer flaky"),
        ("new_checks", "new checks"),
        ("removed_checks", "removed checks"),
    ):
        ids = baseline.get(key, [])
        if ids:
            shown = ", ".join(f"`{_cell(i)}`" for i in ids[:MAX_ROWS])
            lines.append(f"- {what} ({len(ids)}): {shown}" + (" …" if len(ids) > MAX_ROWS else ""))
    lines += [
        f"- slower: `{_cell(r['check'])}` {r['figure']} {r['baseline']} s → {r['now']} s"
        for r in baseline["regressions"][:MAX_ROWS]
    ]
    if len(lines) == 2:
        lines.append("- no change")
    return lines


def _attempts(check: dict[str, Any]) -> str:
    """The flaky check's message (the attempt it passed on, the first failure), then the
    failures of its later failed attempts."""
    later = check.get("attempts", [])[1:]
    return str(check["message"]) + "".join(
        f"; attempt {n} failed: {failure}" for n, failure in enumerate(later, start=2)
    )


def _figure(evidence: dict[str, Any]) -> str:
    found = key_figure(evidence)
    return "none" if found is None else f"{_cell(found[0])} = {found[1]:g}"


def _more(count: int, columns: int) -> list[str]:
    if count <= MAX_ROWS:
        return []
    return [f"| … {count - MAX_ROWS} more in acceptance.html |" + " |" * (columns - 1)]


def _cell(text: str) -> str:
    """Text that cannot break a table row or a code span."""
    return text.replace("|", "\\|").replace("`", "'").replace("\n", " ")
