"""`tofu` for the opentofu provisioner, built from OpenTofu's Go module (go_programs: OPENTOFU)
and put beside the running Python (a venv's bin, where provision/cli_tools.find_cli looks, and
looks for `tofu` before `terraform`) or into DIR, by `homelab-acceptance tools install`.

The build is cached by its content key (a second install takes well under a second); the copy
in DIR is replaced only when it differs from the cached build."""

from __future__ import annotations

import filecmp
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from homelab_acceptance.go_programs import OPENTOFU, built_program


def install_tofu(target: Path, show: Callable[[str], None] = print) -> bool:
    """Put `tofu` into `target`; False when the same build was already there."""
    built = built_program(OPENTOFU, show) / "tofu"
    installed = target / "tofu"
    if installed.is_file() and filecmp.cmp(built, installed, shallow=False):
        return False
    target.mkdir(parents=True, exist_ok=True)
    partial = target / ".tofu.partial"
    shutil.copy2(built, partial)
    partial.chmod(0o755)
    os.replace(partial, installed)
    show(f"tools: installed tofu {OPENTOFU.version} into {target} (built from its Go module)")
    return True
