"""Reading what `tofu`/`terraform` print: the JSON lines of `apply`/`plan`/`destroy -json` (their
machine-readable UI, a versioned interface) and, for `init`, whose `-json` not every version
has, the human diagnostics. Only summaries, places and the tool's own one-line reasons are
kept: never snippets, which quote variable values."""

from __future__ import annotations

import json
import re
from typing import Any

from homelab_acceptance.provision.cli_tools import last_output_line

#: Plan actions that change nothing in the cluster (a data source read, a no-op).
_NOT_A_CHANGE = {"noop", "read"}
_HUMAN_ERROR = re.compile(r"^[│\s]*Error: (?P<summary>.+)$")
_HUMAN_PLACE = re.compile(r"^[│\s]*on (?P<file>\S+) line (?P<line>\d+)")


def json_messages(stdout: str) -> list[dict[str, Any]]:
    """The JSON UI messages in `stdout`; lines that are not JSON objects are skipped."""
    messages = []
    for line in stdout.splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if isinstance(message, dict):
            messages.append(message)
    return messages


def _address(message: dict[str, Any], key: str) -> str:
    return str(message.get(key, {}).get("resource", {}).get("addr", "?"))


def applied_changes(messages: list[dict[str, Any]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(changes, unchanged) of one apply: "resource ADDRESS: ACTION" for each planned change
    whose apply completed (a replace completes as a delete and a create: the plan names it
    once), and the addresses of the resources refreshed and left alone."""
    planned = {
        _address(m, "change"): str(m["change"].get("action"))
        for m in messages
        if m.get("type") == "planned_change"
        and m.get("change", {}).get("action") not in _NOT_A_CHANGE
    }
    completed = {_address(m, "hook") for m in messages if m.get("type") == "apply_complete"}
    refreshed = [_address(m, "hook") for m in messages if m.get("type") == "refresh_complete"]
    changes = tuple(
        f"resource {addr}: {action}" for addr, action in planned.items() if addr in completed
    )
    unchanged = tuple(f"resource {addr}" for addr in refreshed if addr not in planned)
    return changes, unchanged


def planned_differences(messages: list[dict[str, Any]]) -> tuple[str, ...]:
    """One entry per change a plan proposes and per resource changed outside the tool; the
    plan's summary when it differs only in what has no resource (outputs)."""
    differences = [
        f"resource {_address(m, 'change')}: {m['change'].get('action')}"
        for m in messages
        if m.get("type") == "planned_change"
        and m.get("change", {}).get("action") not in _NOT_A_CHANGE
    ]
    differences += [
        f"resource {_address(m, 'change')}: changed outside ({m['change'].get('action')})"
        for m in messages
        if m.get("type") == "resource_drift"
    ]
    if not differences:
        summaries = [str(m.get("@message")) for m in messages if m.get("type") == "change_summary"]
        differences = summaries[-1:] or ["the plan shows changes"]
    return tuple(differences)


def first_error(stdout: str, stderr: str) -> str:
    """The tool's error in one line: its first error diagnostic that names a place (the generic
    "problems during initialisation" one names none), from JSON lines or human text; without
    any diagnostic, the last line (a panic, a killed process)."""
    errors = _json_errors(stdout) or _human_errors(stdout + "\n" + stderr)
    placed = [text for text, has_place in errors if has_place]
    chosen = (placed or [text for text, _ in errors])[:1]
    return chosen[0][:300] if chosen else last_output_line(stdout, stderr)


def _json_errors(stdout: str) -> list[tuple[str, bool]]:
    errors = []
    for message in json_messages(stdout):
        diagnostic = message.get("diagnostic") or {}
        if message.get("type") != "diagnostic" or diagnostic.get("severity") != "error":
            continue
        start = (diagnostic.get("range") or {}).get("start") or {}
        place = diagnostic.get("address") or (
            f"{diagnostic['range']['filename']}:{start['line']}" if start else ""
        )
        summary = " ".join(str(diagnostic.get("summary", "")).split())
        reason = _reason(str(diagnostic.get("detail") or ""))
        text = f"{place}: {summary}" if place else summary
        errors.append((f"{text}: {reason}" if reason else text, bool(place)))
    return errors


def _reason(detail: str) -> str:
    """The part of a diagnostic's detail a person acts on: for a failed command (local-exec)
    its output's last line, which follows the command text; else the detail's first line."""
    if "Output: " in detail:
        output = detail.rsplit("Output: ", 1)[1]
        lines = [line.strip() for line in output.splitlines() if line.strip()]
        return lines[-1] if lines else ""
    lines = [line.strip() for line in detail.splitlines() if line.strip()]
    return lines[0] if lines else ""


def _human_errors(text: str) -> list[tuple[str, bool]]:
    errors: list[tuple[str, bool]] = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        error = _HUMAN_ERROR.match(line)
        if error is None:
            continue
        summary = error["summary"].strip()
        following = [later for later in lines[index + 1 : index + 4] if later.strip()]
        place = _HUMAN_PLACE.match(following[0]) if following else None
        if place is not None:
            errors.append((f"{place['file']}:{place['line']}: {summary}", True))
        else:
            errors.append((summary, False))
    return errors
