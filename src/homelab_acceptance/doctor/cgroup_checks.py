"""The cgroup hierarchy the node container shares (it binds /sys/fs/cgroup read-write and nests
the pods' cgroups below its own): which version, and whether the controllers the kubelet needs
are mounted and writable."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from homelab_acceptance.doctor.findings import Finding, fail, ok, warn

CGROUP_ROOT = "/sys/fs/cgroup"
#: What the kubelet's cgroupfs driver creates cgroups in for every pod.
NEEDED_V1 = ("cpu", "cpuacct", "cpuset", "devices", "memory", "pids")
NEEDED_V2 = ("cpu", "cpuset", "memory", "pids")


@dataclass(frozen=True)
class CgroupMount:
    path: str
    version: int
    options: frozenset[str]

    @property
    def read_only(self) -> bool:
        return "ro" in self.options


def cgroup_mounts(mounts_text: str) -> list[CgroupMount]:
    """The cgroup mounts under /sys/fs/cgroup in a /proc/self/mounts text."""
    found = []
    for line in mounts_text.splitlines():
        fields = line.split()
        if len(fields) < 4 or fields[2] not in ("cgroup", "cgroup2"):
            continue
        if fields[1] == CGROUP_ROOT or fields[1].startswith(CGROUP_ROOT + "/"):
            version = 2 if fields[2] == "cgroup2" else 1
            found.append(CgroupMount(fields[1], version, frozenset(fields[3].split(","))))
    return found


def cgroup_version(mounts: list[CgroupMount]) -> int | None:
    """2 when cgroup2 is mounted at /sys/fs/cgroup itself, 1 when v1 controllers are (a hybrid
    host's cgroup2 at /sys/fs/cgroup/unified counts as v1: the kubelet uses the v1 ones)."""
    if any(m.version == 2 and m.path == CGROUP_ROOT for m in mounts):
        return 2
    if any(m.version == 1 for m in mounts):
        return 1
    return None


def version_finding(mounts: list[CgroupMount], provider: str) -> Finding:
    version = cgroup_version(mounts)
    if version is None:
        return fail(
            "cgroup version",
            f"no cgroup hierarchy mounted at {CGROUP_ROOT}",
            f"mount one: `mount -t cgroup2 none {CGROUP_ROOT}` (or Debian's cgroupfs-mount for v1)",
        )
    hybrid = any(m.version == 2 for m in mounts) and version == 1
    seen = f"v{version}" + (" (hybrid: v1 controllers, cgroup2 beside them)" if hybrid else "")
    if version == 2 and provider in ("debian", "auto"):
        return warn(
            "cgroup version",
            f"{seen}: debian:// (Kubernetes v1.34) was verified on cgroup v1 only",
            "if the node does not become Ready, boot with systemd.unified_cgroup_hierarchy=0 "
            "or use k3s://",
        )
    return ok("cgroup version", seen)


def mounts_finding(mounts: list[CgroupMount], v2_controllers: str) -> Finding:
    """`v2_controllers`: the text of /sys/fs/cgroup/cgroup.controllers (v2 hosts)."""
    version = cgroup_version(mounts)
    if version is None:
        return fail("cgroup mounts", "none", f"mount a cgroup hierarchy at {CGROUP_ROOT}")
    needed: tuple[str, ...] = NEEDED_V1 if version == 1 else NEEDED_V2
    if version == 1:
        present = {option for m in mounts if m.version == 1 for option in m.options}
    else:
        present = set(v2_controllers.split())
    missing = [name for name in needed if name not in present]
    read_only = sorted(m.path for m in mounts if m.read_only)
    if missing:
        return fail(
            "cgroup mounts",
            f"controller(s) {', '.join(missing)} not available under {CGROUP_ROOT}",
            "enable them in the kernel/boot options (the kubelet puts every pod in them)",
        )
    if read_only:
        return fail(
            "cgroup mounts",
            f"read-only: {', '.join(read_only)}",
            f"the node container binds {CGROUP_ROOT} read-write: remount it rw "
            "(inside a container: run the harness on the host)",
        )
    return ok("cgroup mounts", f"{', '.join(needed)} mounted read-write (v{version})")


def read_mounts(path: Path = Path("/proc/self/mounts")) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def read_v2_controllers(root: Path = Path(CGROUP_ROOT)) -> str:
    try:
        return (root / "cgroup.controllers").read_text()
    except OSError:
        return ""
