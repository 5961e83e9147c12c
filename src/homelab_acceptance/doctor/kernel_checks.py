"""Kernel facts a Kubernetes node in a container needs from its host: /dev/kmsg for the kubelet,
and inotify limits high enough for the kubelet, containerd and every pod watching files."""

from __future__ import annotations

import stat
from pathlib import Path

from homelab_acceptance.doctor.findings import Finding, fail, ok, warn

#: kind and K3S recommend these; the kernel's defaults (128 and 8192) run out with a few pods
#: ("too many open files" from the kubelet), sooner with two runs at once.
INOTIFY_WANTED = {
    "fs.inotify.max_user_instances": 512,
    "fs.inotify.max_user_watches": 524288,
}


def kmsg_finding(is_char_device: bool) -> Finding:
    if is_char_device:
        return ok("/dev/kmsg", "present (the node container gets it as a device)")
    return fail(
        "/dev/kmsg",
        "missing or not a character device",
        "the kubelet reads the kernel log from it: run on a host (or VM) with /dev/kmsg, "
        "e.g. not in an unprivileged LXC container",
    )


def inotify_finding(limits: dict[str, int | None]) -> Finding:
    """`limits`: sysctl name -> value (None: unreadable)."""
    low = {name: value for name, value in limits.items() if (value or 0) < INOTIFY_WANTED[name]}
    if not low:
        return ok("inotify limits", ", ".join(f"{n}={v}" for n, v in limits.items()))
    seen = ", ".join(
        f"{name}={value} (wanted {INOTIFY_WANTED[name]})" for name, value in low.items()
    )
    wanted = " ".join(f"{name}={INOTIFY_WANTED[name]}" for name in low)
    return warn(
        "inotify limits",
        f"{seen}: the kubelet may fail with too many open files",
        f"sysctl -w {wanted} (and the same in /etc/sysctl.d/ to keep it)",
    )


def read_kmsg_is_char_device(path: Path = Path("/dev/kmsg")) -> bool:
    try:
        return stat.S_ISCHR(path.stat().st_mode)
    except OSError:
        return False


def read_inotify_limits(proc_sys: Path = Path("/proc/sys")) -> dict[str, int | None]:
    limits: dict[str, int | None] = {}
    for name in INOTIFY_WANTED:
        try:
            limits[name] = int((proc_sys / name.replace(".", "/")).read_text().strip())
        except (OSError, ValueError):
            limits[name] = None
    return limits
