"""The published results.json schema (results.schema.json, JSON Schema 2020-12)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

SCHEMA_VERSION = "1"


@cache
def results_validator() -> Draft202012Validator:
    text = resources.files("homelab_acceptance.report").joinpath("results.schema.json").read_text()
    return Draft202012Validator(json.loads(text))


def schema_problem(results: Any) -> str | None:
    """One line saying where `results` breaks the schema, or None when it conforms."""
    error = best_match(results_validator().iter_errors(results))
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "(top)"
    return f"{where}: {error.message}"[:200]
