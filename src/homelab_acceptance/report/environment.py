"""What a run ran on, for the report: the cluster's own description, the stack spec with the
git revision of the repository it lives in, the harness version, and when."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

GIT_TIMEOUT_S = 10.0


def utc_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def harness_version() -> str:
    try:
        return metadata.version("homelab-acceptance")
    except metadata.PackageNotFoundError:
        return "unknown"


def stack_revision(stack_path: Path) -> tuple[str | None, bool | None]:
    """(commit, whether the stack's directory has uncommitted changes); (None, None) outside a
    git repository or without git."""
    where = stack_path.parent
    try:
        head = _git(where, "rev-parse", "HEAD")
        changes = _git(where, "status", "--porcelain", "--", ".")
    except (OSError, subprocess.SubprocessError):
        return None, None
    if head is None or changes is None:
        return None, None
    return head.strip(), bool(changes.strip())


def _git(where: Path, *args: str) -> str | None:
    done = subprocess.run(
        ["git", "-C", str(where), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=GIT_TIMEOUT_S,
    )
    return done.stdout if done.returncode == 0 else None


def environment_block(
    cluster_facts: dict[str, Any],
    provider_asked: str | None,
    *,
    stack_path: Path | None,
    shown_stack_path: str | None,
    started: datetime,
    finished: datetime,
) -> dict[str, Any]:
    """The results.json `environment` block. `cluster_facts` is the cluster's describe() when a
    cluster came up (empty otherwise: then the provider is the spec that was asked for)."""
    revision, dirty = stack_revision(stack_path) if stack_path is not None else (None, None)
    return {
        "provider": cluster_facts.get("provider") or provider_asked,
        "kubernetes_version": cluster_facts.get("kubernetes_version") or None,
        "node_image": cluster_facts.get("node_image") or None,
        "stack_path": shown_stack_path,
        "stack_revision": revision,
        "stack_dirty": dirty,
        "harness_version": harness_version(),
        "started_at": utc_timestamp(started),
        "finished_at": utc_timestamp(finished),
        "duration_s": round((finished - started).total_seconds(), 1),
    }
