"""Files the provisioners keep in a run's work dir (OpenTofu state, Ansible's home and temp
files, copies of modules with their inputs) may hold credentials: they are readable by the
owner only, directories 0700 and files 0600, and so is whatever the tools write there."""

from __future__ import annotations

import os
from pathlib import Path

#: The umask the tools run with: what they create is private to the owner.
PRIVATE_UMASK = 0o077


def private_dir(root: Path, *parts: str) -> Path:
    """`root/parts…`, every level below `root` created (or tightened to) 0700: `mkdir(parents=
    True)` would make the intermediate ones with the process umask, 0755 as a rule."""
    path = root
    for part in parts:
        path = path / part
        path.mkdir(mode=0o700, exist_ok=True)
        path.chmod(0o700)
    return path


def make_private(tree: Path) -> None:
    """Tighten every directory under `tree` to 0700 and every file to 0600 (0700 if it was
    executable): copies keep their source's modes, usually 0644."""
    for directory, subdirectories, files in os.walk(tree):
        Path(directory).chmod(0o700)
        for name in files:
            path = Path(directory) / name
            if not path.is_symlink():
                path.chmod(0o700 if path.stat().st_mode & 0o100 else 0o600)
        del subdirectories
