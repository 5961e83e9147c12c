"""Free disk where a run writes: under Docker's root dir (node image build, stack images, the
node's state volume) and the work dir (kubeconfigs, OpenTofu state, Ansible temp files)."""

from __future__ import annotations

import os
from pathlib import Path

from homelab_acceptance.docker.disk_full import FIRST_BUILD_BYTES
from homelab_acceptance.doctor.findings import Finding, fail, ok, warn

GB = 1024**3
#: With the node image cached: the stack's images and what the node writes on its volume.
RUN_BYTES = 2 * GB
WORKDIR_BYTES = 1 * GB


def docker_disk_finding(
    root_dir: str | None, free_bytes: int | None, image_cached: bool
) -> Finding:
    if free_bytes is None:
        return warn(
            "disk under Docker",
            f"cannot see free space at {root_dir or 'the engine root dir'} (a remote engine?)",
            f"make sure it has {FIRST_BUILD_BYTES // GB} GB free for the first node image build",
        )
    needed = RUN_BYTES if image_cached else FIRST_BUILD_BYTES
    seen = f"{free_bytes / GB:.1f} GB free at {root_dir}"
    if free_bytes >= needed:
        return ok("disk under Docker", seen)
    why = "a run" if image_cached else "the first node image build"
    return fail(
        "disk under Docker",
        f"{seen}, {why} needs {needed // GB} GB",
        "free space there: `homelab-acceptance clean --all`, `docker image prune`",
    )


def workdir_disk_finding(workdir: Path, free_bytes: int | None) -> Finding:
    if free_bytes is not None and free_bytes >= WORKDIR_BYTES:
        return ok("disk under the work dir", f"{free_bytes / GB:.1f} GB free at {workdir}")
    seen = "unknown" if free_bytes is None else f"{free_bytes / GB:.1f} GB"
    return warn(
        "disk under the work dir",
        f"{seen} free at {workdir} (kubeconfigs, OpenTofu state, Ansible temp files)",
        f"free {WORKDIR_BYTES // GB} GB there, or point TMPDIR at a roomier place",
    )


def free_bytes_at(path: Path) -> int | None:
    """Free bytes for an unprivileged writer on the file system holding `path` (or its nearest
    existing parent: the work dir is made at the first run)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            try:
                stats = os.statvfs(candidate)
            except OSError:
                return None
            return stats.f_bavail * stats.f_frsize
    return None
