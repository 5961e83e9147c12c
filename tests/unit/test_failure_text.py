"""A failed built-in check shows its one-line reason and its evidence, redacted and bounded."""

from __future__ import annotations

from homelab_acceptance.pytest_plugin.failure_text import EVIDENCE_SHOWN_CHARS, short_failure
from homelab_acceptance.report.redaction import Redactor


def test_the_reason_comes_first_then_the_evidence() -> None:
    text = short_failure("web:/ never answered", {"url": "http://127.0.0.1:30080/"}, Redactor())
    reason, evidence = text.split("\n", 1)
    assert reason == "web:/ never answered"
    assert evidence.startswith("evidence: {")
    assert '"url": "http://127.0.0.1:30080/"' in evidence


def test_a_secret_in_the_reason_or_the_evidence_is_redacted() -> None:
    redactor = Redactor()
    redactor.register_secret("hunter2-hunter2")
    text = short_failure("login as admin:hunter2-hunter2 failed", {"password": "x"}, redactor)
    assert "hunter2-hunter2" not in text
    assert "«redacted»" in text


def test_long_evidence_is_cut_and_says_where_the_rest_is() -> None:
    text = short_failure("red", {"samples": list(range(5000))}, Redactor())
    assert len(text) < EVIDENCE_SHOWN_CHARS + 200
    assert text.endswith("(the whole evidence is in the report)")


def test_no_evidence_is_the_reason_alone() -> None:
    assert short_failure("red", {}, Redactor()) == "red"
