"""results.json: the whole run as data, for machines and for the HTML report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homelab_acceptance.report.atomic import write_redacted
from homelab_acceptance.report.redaction import Redactor


def write_results_json(results: dict[str, Any], path: Path, redactor: Redactor) -> None:
    text = json.dumps(redactor.redact(results), indent=2, ensure_ascii=False) + "\n"
    write_redacted(path, text, redactor)
