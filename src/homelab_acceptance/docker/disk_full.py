"""Saying "Docker's disk is full" as such. A full data root shows up deep in a build's or an
import's output ("write /usr/lib/...: no space left on device"); the user needs to hear where
the space ran out and how to get it back, not the file the engine was writing."""

from __future__ import annotations

import re
import shutil

import docker
from docker.errors import APIError

#: The first node image build (Kubernetes compiled from Debian's source package) needs ~6 GiB
#: under Docker's data root; `homelab-acceptance doctor` fails below it.
FIRST_BUILD_BYTES = 6 * 1024**3

_NO_SPACE = re.compile(r"no space left on device", re.IGNORECASE)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def says_disk_full(text: str) -> bool:
    return bool(_NO_SPACE.search(text))


def without_terminal_colours(text: str) -> str:
    """Build output with its ANSI colour codes taken out (apt colours its errors)."""
    return _ANSI.sub("", text)


def disk_full_message(client: docker.DockerClient, doing: str) -> str:
    """One line: what ran out of space, where, how much is left, and what frees it."""
    root = _data_root(client)
    return (
        f"{doing}: no space left on device in Docker's data root {root}{_size(root)}; "
        "free some (`homelab-acceptance clean`, `docker system prune`) or move Docker's "
        "data-root to a bigger disk (`homelab-acceptance doctor` checks the space)"
    )


def _data_root(client: docker.DockerClient) -> str:
    try:
        return str(client.info().get("DockerRootDir") or "(unknown)")
    except (APIError, OSError):
        return "(unknown: the engine did not say)"


def _size(root: str) -> str:
    """How big its filesystem is, when the data root is on this machine (a remote engine's is
    not). Not the space free: the engine undoes the failed write, so that looks fine again."""
    try:
        total = shutil.disk_usage(root).total
    except OSError:
        return ""
    return (
        f" (a {total / 2**20:.0f} MiB filesystem; "
        f"the first node image build needs about {FIRST_BUILD_BYTES // 2**30} GiB)"
    )
