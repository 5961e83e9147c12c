"""The report's forensics bundles: one folder per failed or errored check under
`<report-dir>/artifacts/`, gathered when the check fails (report/forensics.py says what is in
one). Checks that fail with the same message (every check behind one broken fixture) share
the first one's bundle. The folder is emptied when a session starts, so a bundle never
belongs to an earlier run."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from homelab_acceptance.cluster import Cluster
from homelab_acceptance.report.forensics import collect_bundle
from homelab_acceptance.report.redaction import Redactor

ARTIFACTS = "artifacts"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def bundle_name(check_id: str) -> str:
    """A folder name for a check id: readable, safe, unique (a short hash of the whole id)."""
    readable = _UNSAFE.sub("_", check_id.rsplit("/", 1)[-1]).strip("_")[:80]
    return f"{readable}-{hashlib.sha256(check_id.encode()).hexdigest()[:8]}"


class Bundles:
    def __init__(self, report_dir: Path, redactor: Redactor) -> None:
        self._root = report_dir / ARTIFACTS
        self._redactor = redactor
        self._by_message: dict[str, str] = {}

    def clear(self) -> None:
        shutil.rmtree(self._root, ignore_errors=True)

    def for_failure(
        self,
        cluster: Cluster,
        namespaces: Iterable[str],
        check_id: str,
        message: str,
        evidence: dict[str, Any],
    ) -> str:
        """The bundle of a failed check (relative to the report dir), gathered now unless a
        check failed with the same message before."""
        if message in self._by_message:
            return self._by_message[message]
        name = bundle_name(check_id)
        collect_bundle(cluster, namespaces, evidence, self._root / name, self._redactor)
        relative = f"{ARTIFACTS}/{name}/"
        self._by_message[message] = relative
        return relative
