"""The strings of a values file marked `secret: true` (Helm values, Ansible extra-vars: YAML or
JSON; OpenTofu `.tfvars`: HCL), which the report keeps out of every file it writes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from homelab_acceptance.errors import ConfigurationError
from homelab_acceptance.spec.yaml_positions import load

#: A quoted HCL string: "…" with backslash escapes. A tfvars file's keys are bare identifiers,
#: so the quoted strings are its values (and map keys, which cost nothing to redact).
_HCL_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_HCL_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def secret_strings(path: Path) -> list[str]:
    """Every scalar string in the file; ConfigurationError (one line) if it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8"
        raise ConfigurationError(f"{path}: cannot read the secret values file ({reason})") from None
    if path.name.endswith(".tfvars"):
        return [_unescaped(match.group(1)) for match in _HCL_STRING.finditer(text)]
    return list(_strings_in(load(text, path, ConfigurationError)[1]))


def _strings_in(data: Any) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for value in data.values() for s in _strings_in(value)]
    if isinstance(data, list):
        return [s for item in data for s in _strings_in(item)]
    return []


def _unescaped(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _HCL_ESCAPES.get(m.group(1), m.group(0)), text)
