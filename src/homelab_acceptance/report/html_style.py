"""How the reviewer's page looks: its stylesheet and how a status shows (a colour, a symbol and
a word, so no status is told by colour alone)."""

from __future__ import annotations

from html import escape

#: status -> (symbol, label). Anything else shows as it came, with a neutral look.
_STATUSES = {
    "passed": ("✓", "passed"),
    "failed": ("✗", "failed"),
    "error": ("!", "error"),
    "skipped": ("○", "skipped"),
    "confirmed-limitation": ("◆", "confirmed limitation"),
    "flaky": ("↻", "flaky"),
    "accepted": ("✓", "accepted"),
    "rejected": ("✗", "rejected"),
}


def status_class(status: str) -> str:
    """The CSS class of a status; one that is not known gets the neutral `s-other`."""
    return f"s-{status}" if status in _STATUSES else "s-other"


def status_badge(status: str) -> str:
    symbol, label = _STATUSES.get(status, ("?", status))
    return (
        f'<span class="badge {status_class(status)}">'
        f'<span aria-hidden="true">{symbol}</span> {escape(label)}</span>'
    )


STYLESHEET = """
:root {
  --ink: #1d2330; --muted: #5b6475; --line: #d9dee7; --paper: #ffffff; --wash: #f5f7fa;
  --passed: #1f7a3d; --passed-bg: #e3f4e8;
  --failed: #b3261e; --failed-bg: #fbe4e2;
  --error: #7b1fa2; --error-bg: #f1e3f7;
  --skipped: #5b6475; --skipped-bg: #eceff3;
  --limitation: #8a5300; --limitation-bg: #fdf0d8;
  --flaky: #00666b; --flaky-bg: #ddf3f3;
}
* { box-sizing: border-box; }
body {
  margin: 0; background: var(--wash); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
}
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 {
  font-size: 19px; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line);
}
h3 { font-size: 16px; margin: 24px 0 8px; }
code, pre {
  font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px;
}
code { overflow-wrap: anywhere; }
a { color: #1a56b8; }
.muted { color: var(--muted); }
.verdict {
  display: flex; flex-wrap: wrap; align-items: center; gap: 18px 28px;
  padding: 20px 24px; border-radius: 10px; border: 2px solid; background: var(--paper);
}
.verdict .word {
  font-size: 34px; font-weight: 700; letter-spacing: .02em; text-transform: uppercase;
}
.verdict.s-accepted { border-color: var(--passed); }
.verdict.s-accepted .word { color: var(--passed); }
.verdict.s-rejected { border-color: var(--failed); }
.verdict.s-rejected .word { color: var(--failed); }
.verdict.s-error, .verdict.s-other { border-color: var(--error); }
.verdict.s-error .word, .verdict.s-other .word { color: var(--error); }
.counts { display: flex; flex-wrap: wrap; gap: 8px; margin: 0; padding: 0; list-style: none; }
.badge {
  display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 13px;
  font-weight: 600; white-space: nowrap; border: 1px solid;
}
.s-passed, .s-accepted { color: var(--passed); background: var(--passed-bg); }
.s-failed, .s-rejected { color: var(--failed); background: var(--failed-bg); }
.s-error, .s-other { color: var(--error); background: var(--error-bg); }
.s-skipped { color: var(--skipped); background: var(--skipped-bg); }
.s-confirmed-limitation { color: var(--limitation); background: var(--limitation-bg); }
.s-flaky { color: var(--flaky); background: var(--flaky-bg); }
table { width: 100%; border-collapse: collapse; background: var(--paper); font-size: 14px; }
th, td {
  text-align: left; vertical-align: top; padding: 7px 10px; border-bottom: 1px solid var(--line);
}
th { background: #eef1f6; font-weight: 600; }
dl.environment {
  display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0;
  background: var(--paper); padding: 14px 18px; border-radius: 8px; border: 1px solid var(--line);
}
dl.environment dt { color: var(--muted); }
dl.environment dd { margin: 0; }
ul.check-links { margin: 0; padding-left: 18px; }
.check {
  color: var(--ink); background: var(--paper); border: 1px solid var(--line);
  border-left: 5px solid var(--line); border-radius: 8px; padding: 12px 16px; margin: 12px 0;
}
.check.s-passed { border-left-color: var(--passed); }
.check.s-failed { border-left-color: var(--failed); }
.check.s-error, .check.s-other { border-left-color: var(--error); }
.check.s-skipped { border-left-color: var(--skipped); }
.check.s-confirmed-limitation { border-left-color: var(--limitation); }
.check.s-flaky { border-left-color: var(--flaky); }
.check-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px 12px; }
.check-title { font-weight: 600; font-size: 16px; }
.check-id { display: block; color: var(--muted); margin-top: 2px; }
.message { margin: 8px 0 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.check.s-failed .message { color: var(--failed); }
.check.s-error .message { color: var(--error); }
.check.s-flaky .message { color: var(--flaky); }
ul.attempts { margin: 6px 0 0; padding-left: 22px; color: var(--muted); }
details { margin-top: 8px; }
summary { cursor: pointer; color: var(--muted); }
pre.evidence {
  background: #f3f5f9; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px;
  overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 480px;
}
.timeline { display: block; max-width: 100%; height: auto; margin: 10px 0 2px; font-size: 12px; }
.timeline text { fill: var(--ink); font-family: system-ui, "DejaVu Sans", sans-serif; }
.timeline .tl-tick, .timeline .tl-marker-label { fill: var(--muted); font-size: 11px; }
.timeline .tl-plot { fill: #fafbfd; stroke: var(--line); }
.timeline .tl-grid { stroke: #e6e9ef; }
.timeline .tl-axis { stroke: var(--muted); }
.timeline .tl-up { stroke: var(--passed); stroke-width: 2; opacity: .45; }
.timeline .tl-down { fill: var(--failed); opacity: .85; }
.timeline .tl-still-down { fill: var(--error); }
.timeline .tl-back { stroke: var(--passed); stroke-width: 3; }
.timeline .tl-restart { stroke: var(--ink); stroke-width: 1.5; }
.timeline .tl-marker { stroke: #1a56b8; stroke-width: 1.5; stroke-dasharray: 4 3; }
.timeline .tl-figure { font-weight: 600; }
figure.availability { margin: 10px 0 0; }
.legend { font-size: 12px; color: var(--muted); margin: 0 0 4px; }
.arrow { color: var(--muted); padding: 0 4px; }
.worse { color: var(--failed); font-weight: 600; }
"""
