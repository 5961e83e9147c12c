"""The one place where secrets are taken out of what the harness writes: known secret strings
(kubeconfig credentials, the stack's Secret values, anything registered) and patterns (PEM
private keys, bearer tokens, Grafana service-account tokens, values under password/token/secret
keys) are replaced by «redacted» before any report file is written."""

from __future__ import annotations

import base64
import re
from typing import Any

REDACTED = "«redacted»"

#: A secret shorter than this is not registered: replacing "1" or "ab" everywhere would wreck
#: the report and protect nothing.
MIN_SECRET_LENGTH = 6

_PATTERNS = (
    re.compile(
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)",
        re.DOTALL,
    ),
    re.compile(r"(?<=Bearer )[A-Za-z0-9\-._~+/]+=*", re.IGNORECASE),
    re.compile(r"glsa_[A-Za-z0-9_]+"),
)

_SECRET_WORDS = frozenset({"password", "passwd", "token", "secret", "apikey", "credentials"})
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def is_secret_key(key: str) -> bool:
    """`password`, `adminPassword`, `bearer_token`, `client-secret` name secrets; `tokens_seen`
    or `secretName` do not hold one (only a whole word counts, and a name is not a value)."""
    words = [w.lower() for w in _WORD.findall(key)]
    if words and words[-1] == "name":
        return False
    joined = "".join(words)
    return joined in _SECRET_WORDS or any(word in _SECRET_WORDS for word in words)


class Redactor:
    """Known secrets plus patterns; `redact_text` for a written file's text, `redact` for the
    data a writer serialises (so a secret is caught before JSON or XML escaping changes it)."""

    def __init__(self) -> None:
        self._known: set[str] = set()

    def register_secret(self, value: str) -> None:
        """A value that must appear in no written file, as given and base64-encoded (how a
        Kubernetes Secret or a kubeconfig carries it)."""
        value = value.strip()
        if len(value) < MIN_SECRET_LENGTH:
            return
        self._known.add(value)
        self._known.add(base64.b64encode(value.encode()).decode())

    def secrets(self) -> frozenset[str]:
        """Every value registered (and its base64 form), for another process's redactor."""
        return frozenset(self._known)

    def redact_text(self, text: str) -> str:
        # Longest first: a secret that contains another must go whole.
        for secret in sorted(self._known, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        for pattern in _PATTERNS:
            text = pattern.sub(REDACTED, text)
        return text

    def redact(self, data: Any) -> Any:
        """A copy of JSON-like data with every secret replaced."""
        if isinstance(data, dict):
            return {key: self._redact_value_of(str(key), value) for key, value in data.items()}
        if isinstance(data, list | tuple):
            return [self.redact(item) for item in data]
        if isinstance(data, str):
            return self.redact_text(data)
        return data

    def _redact_value_of(self, key: str, value: Any) -> Any:
        scalar = isinstance(value, str | int | float) and not isinstance(value, bool)
        if scalar and is_secret_key(key):
            return REDACTED
        return self.redact(value)
