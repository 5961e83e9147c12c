"""Writing a report file so that a reader (a CI upload, a browser) never sees half of it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from homelab_acceptance.report.redaction import Redactor


def write_redacted(path: Path, text: str, redactor: Redactor) -> None:
    """The text, with every secret taken out, written to a temporary file in the same
    directory and renamed over `path`."""
    safe = redactor.redact_text(text)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(safe)
        os.chmod(temporary, 0o644)  # mkstemp makes it 0600; a report is for reading
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
