"""Keeping a stack's paths inside its own directory: a spec taken from a pull request must not
make the harness read (and copy into a cluster) files from elsewhere on the machine, through
`..`, an absolute path, or a symlink that points out. Directories listed under the spec's
`allow_outside` count as inside."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path


def is_within(path: Path, roots: Sequence[Path]) -> bool:
    """Whether the resolved `path` is one of `roots` (resolved) or below one."""
    resolved = path.resolve()
    return any(resolved.is_relative_to(root.resolve()) for root in roots)


def escape_from(path: Path, roots: Sequence[Path]) -> str | None:
    """Why `path` leads outside `roots`, or None when it stays inside: the path itself resolves
    outside (after `..` and symlinks), or, for a directory, a symlink somewhere below it
    points outside."""
    if not is_within(path, roots):
        return f"resolves to {path.resolve()}"
    if not path.is_dir():
        return None
    for directory, subdirectories, files in os.walk(path.resolve()):
        for name in [*subdirectories, *files]:
            entry = Path(directory) / name
            if entry.is_symlink() and not is_within(entry, roots):
                return f"holds {entry}, a symlink to {entry.resolve()}"
    return None
