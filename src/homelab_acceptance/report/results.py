"""Assembling results.json's data (schema_version "1") from the checks a session recorded."""

from __future__ import annotations

from typing import Any

from homelab_acceptance.report.checks import (
    SUMMARY_ORDER,
    CheckRecord,
    Requirement,
    requirement_status,
)
from homelab_acceptance.report.schema import SCHEMA_VERSION
from homelab_acceptance.report.verdict import Verdict


def summary_of(checks: list[CheckRecord]) -> dict[str, int]:
    statuses = [check.status for check in checks]
    return {status: statuses.count(status) for status in SUMMARY_ORDER}


def requirements_of(checks: list[CheckRecord]) -> list[dict[str, Any]]:
    """Each requirement once, in the order its first check ran, with the status its checks
    give it (requirement_status)."""
    grouped: dict[Requirement, list[CheckRecord]] = {}
    for check in checks:
        grouped.setdefault(check.requirement, []).append(check)
    return [
        {
            "id": requirement.id,
            "title": requirement.title,
            "kind": requirement.kind,
            "status": requirement_status([check.status for check in members]),
            "checks": [check.id for check in members],
        }
        for requirement, members in grouped.items()
    ]


def build_results(
    checks: list[CheckRecord],
    verdict: Verdict,
    environment: dict[str, Any],
    baseline: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "verdict": verdict.name,
        "exit_code": verdict.exit_code,
        "summary": summary_of(checks),
        "environment": environment,
        "requirements": requirements_of(checks),
        "checks": [check.as_result() for check in checks],
        "baseline": baseline,
    }
