"""What a failed built-in check shows: its one-line reason and the evidence it gathered
(redacted, bounded), not the harness's internal traceback. A check's own assertion or a
harness error is a finding about the stack; anything else (a bug of ours) keeps pytest's
traceback. A user's own checks keep pytest's usual report."""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from homelab_acceptance.errors import HomelabAcceptanceError
from homelab_acceptance.report.redaction import Redactor

SUITES_PACKAGE = "homelab_acceptance.suites"
STACK_CHECKS = "homelab_acceptance.pytest_plugin.stack_checks"
#: Findings: their message says what failed; a traceback through the harness adds nothing.
FINDINGS = (AssertionError, HomelabAcceptanceError)
EVIDENCE_SHOWN_CHARS = 1500


@cache
def _suites_dir() -> Path | None:
    spec = importlib.util.find_spec(SUITES_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def is_builtin_check(item: pytest.Item) -> bool:
    """A check of the packaged suites, or a declared check (stack_checks)."""
    function = getattr(item, "function", None)
    if function is not None and function.__module__ == STACK_CHECKS:
        return True
    suites = _suites_dir()
    return suites is not None and suites in Path(item.path).resolve().parents


def is_finding(call: pytest.CallInfo[None]) -> bool:
    return call.excinfo is not None and call.excinfo.errisinstance(FINDINGS)


def short_failure(message: str, evidence: dict[str, Any], redactor: Redactor) -> str:
    """The reason, then the evidence as JSON (cut at EVIDENCE_SHOWN_CHARS; the report has
    all of it)."""
    lines = [redactor.redact_text(message)]
    if evidence:
        shown = json.dumps(redactor.redact(evidence), indent=1, sort_keys=True, default=str)
        if len(shown) > EVIDENCE_SHOWN_CHARS:
            shown = shown[:EVIDENCE_SHOWN_CHARS] + " … (the whole evidence is in the report)"
        lines.append(f"evidence: {shown}")
    return "\n".join(lines)
