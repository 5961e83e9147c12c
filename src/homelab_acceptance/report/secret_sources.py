"""Where the known secrets of a run come from: the cluster's kubeconfig credentials, the
values of the Kubernetes Secrets a stack's manifests provision, and the strings of the values
files a stack marks `secret: true`."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from homelab_acceptance.errors import ConfigurationError
from homelab_acceptance.secret_values import secret_strings
from homelab_acceptance.spec import Stack

_USER_CREDENTIALS = ("client-key-data", "client-certificate-data", "token", "password")


def kubeconfig_secrets(path: Path) -> list[str]:
    """Every user credential in the kubeconfig, as written and (for `*-data`) decoded."""
    try:
        config: Any = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError):
        return []
    found: list[str] = []
    for entry in _list_of(config, "users"):
        user = entry.get("user") if isinstance(entry, dict) else None
        if not isinstance(user, dict):
            continue
        for field in _USER_CREDENTIALS:
            value = user.get(field)
            if isinstance(value, str):
                found.append(value)
                if field.endswith("-data"):
                    found.extend(_with_pem_lines(_decoded(value)))
    return found


def stack_secrets(stack: Stack) -> list[str]:
    """The values (decoded) of every `kind: Secret` in the stack's manifests directories, and
    every string in its secret values files."""
    found = secret_values_strings(stack)
    for component in stack.components:
        if component.provisioner != "manifests" or component.source is None:
            continue
        for document in _yaml_documents(component.source):
            if document.get("kind") != "Secret":
                continue
            for value in _dict_of(document, "data").values():
                if isinstance(value, str):
                    found.extend([value, *_decoded(value)])
            found.extend(str(v) for v in _dict_of(document, "stringData").values())
    return found


def secret_values_strings(stack: Stack) -> list[str]:
    """Every string in the values files marked secret (load_stack has read each once)."""
    found: list[str] = []
    for component in stack.components:
        for path in component.secret_values:
            try:
                found.extend(secret_strings(path))
            except ConfigurationError:
                continue  # changed since load_stack read it: the provisioner will say so
    return found


def _yaml_documents(source: Path) -> Iterator[dict[str, Any]]:
    files = sorted(source.rglob("*.y*ml")) if source.is_dir() else [source]
    for file in files:
        try:
            documents = list(yaml.safe_load_all(file.read_text()))
        except (OSError, yaml.YAMLError):
            continue  # not plain YAML (a template): the provisioner reports it, not the report
        yield from (d for d in documents if isinstance(d, dict))


def _decoded(value: str) -> list[str]:
    try:
        return [base64.b64decode(value, validate=True).decode()]
    except (binascii.Error, UnicodeDecodeError):
        return []


def _with_pem_lines(decoded: list[str]) -> list[str]:
    """A decoded PEM, and each line of its body: a key's lines turn up alone in tool output."""
    return [
        *decoded,
        *(line for text in decoded for line in text.splitlines() if not line.startswith("-----")),
    ]


def _list_of(data: Any, key: str) -> list[Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, list) else []


def _dict_of(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}
