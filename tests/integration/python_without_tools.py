"""A Python environment like the repository's .venv but in another folder, so that a
provisioner's tool is found neither on a bare PATH nor beside the running Python (where
`tools install` puts helm, kubectl and tofu, and where the harness also looks)."""

from __future__ import annotations

import shutil
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]


def python_without_tools(folder: Path) -> str:
    """The path of a `python` in `folder`/bin with the .venv's packages and no tools."""
    venv = REPOSITORY / ".venv"
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "python").symlink_to(Path(venv / "bin" / "python").resolve())
    (folder / "lib").symlink_to(venv / "lib")
    shutil.copy(venv / "pyvenv.cfg", folder / "pyvenv.cfg")
    return str(folder / "bin" / "python")
