"""Whether the node's control-plane processes run, recognised by their command line (a
process's `comm` is cut at 15 characters: `kube-controller-manager` shows as `kube-controller`).
A process that died but was not reaped shows as `[name] <defunct>`, which matches nothing."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable


def runs_as(command_line: str, expected: str) -> bool:
    """Whether `command_line` is the process `expected` ("kubelet", "k3s server"): the
    program's base name, then the words that follow it, if any."""
    argv = command_line.split()
    words = expected.split()
    if not argv or posixpath.basename(argv[0]) != words[0]:
        return False
    return argv[1 : len(words)] == words[1:]


def missing_processes(command_lines: Iterable[str], expected: Iterable[str]) -> list[str]:
    """The expected processes that none of the running `command_lines` is."""
    running = list(command_lines)
    return [name for name in expected if not any(runs_as(line, name) for line in running)]


def arguments_of(command_lines: Iterable[str], expected: str) -> list[str]:
    """The command line of the running process that is `expected`, as words; [] if none is."""
    for line in command_lines:
        if runs_as(line, expected):
            return line.split()
    return []
