"""Finding and running the command-line tools provisioners drive (helm, ansible-playbook,
tofu/terraform, kubectl).

A tool is looked up on PATH and then beside the running Python: `homelab-acceptance tools
install` puts helm and kubectl there and `pip install 'homelab-acceptance[provisioners]'`
ansible, into a venv's bin, which is not on PATH when pytest is started as
`.venv/bin/pytest`. A failing command becomes one line: which component, which step, and the
last line the tool printed on stderr, or what the caller's reader picks from the output (never
the whole output: it may echo values)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from homelab_acceptance.errors import MissingToolError, ProvisionError
from homelab_acceptance.spec import Component


def find_cli(*names: str) -> str | None:
    """The path of the first of `names` found on PATH or beside the running Python."""
    search = os.pathsep.join([os.environ.get("PATH", ""), str(Path(sys.executable).parent)])
    for name in names:
        found = shutil.which(name, path=search)
        if found is not None:
            return found
    return None


def require_cli(component: Component, *names: str, hint: str) -> str:
    """Like find_cli, but a missing tool is a MissingToolError naming the component."""
    found = find_cli(*names)
    if found is None:
        wanted = " or ".join(repr(name) for name in names)
        raise MissingToolError(
            f"component {component.name} ({component.provisioner}): no {wanted} on PATH or in "
            f"{Path(sys.executable).parent}; {hint}"
        )
    return found


def run_cli(
    component: Component,
    step: str,
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout_s: float = 600,
    ok_codes: tuple[int, ...] = (0,),
    error_line: Callable[[str, str], str] | None = None,
    umask: int = -1,
) -> subprocess.CompletedProcess[str]:
    """Run one tool command; ProvisionError (one line) when it exits with another code or
    overruns `timeout_s`. `error_line(stdout, stderr)` picks the tool's reason from its output,
    for tools whose last line is not it (a JSON line, a box border); by default the last line.
    `umask` (when not -1) is the tool's: 0o077 keeps what it writes private."""
    full_env = {**os.environ, **(env or {})}
    try:
        result = subprocess.run(
            list(args), env=full_env, cwd=cwd, capture_output=True, text=True,
            timeout=timeout_s, check=False, stdin=subprocess.DEVNULL, umask=umask,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise ProvisionError(
            f"component {component.name}: {step} did not finish within {timeout_s:.0f}s"
        ) from None
    if result.returncode not in ok_codes:
        reason = (error_line or last_output_line)(result.stdout, result.stderr)
        raise ProvisionError(
            f"component {component.name}: {step} failed (exit {result.returncode}): {reason}"
        )
    return result


def last_output_line(stdout: str, stderr: str) -> str:
    """A failed tool's reason when nothing better is known: its last line on stderr, else on
    stdout."""
    return last_line(stderr) or last_line(stdout) or "no output"


def last_line(text: str) -> str:
    """The last non-blank line of `text`, whitespace collapsed, at most 300 characters."""
    lines = [line for line in text.splitlines() if line.strip()]
    return " ".join(lines[-1].split())[:300] if lines else ""
