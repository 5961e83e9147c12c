"""cgroup findings: the version and the controllers the kubelet needs, read from a mounts text."""

from __future__ import annotations

import pytest

from homelab_acceptance.doctor.cgroup_checks import (
    cgroup_mounts,
    cgroup_version,
    mounts_finding,
    version_finding,
)
from homelab_acceptance.doctor.findings import Level

V1_HYBRID = """\
tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0
cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0
cgroup /sys/fs/cgroup/cpuset cgroup rw,relatime,cpuset 0 0
cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0
cgroup /sys/fs/cgroup/devices cgroup rw,relatime,devices 0 0
cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0
cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
proc /proc proc rw,nosuid 0 0
"""
V2 = "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime 0 0\n"
V2_CONTROLLERS = "cpuset cpu io memory hugetlb pids rdma misc\n"


def test_a_hybrid_host_is_v1_and_healthy() -> None:
    mounts = cgroup_mounts(V1_HYBRID)
    assert cgroup_version(mounts) == 1
    assert version_finding(mounts, "debian").level is Level.OK
    assert "hybrid" in version_finding(mounts, "debian").seen
    assert mounts_finding(mounts, "").level is Level.OK


def test_a_missing_v1_controller_fails_naming_it() -> None:
    text = "\n".join(line for line in V1_HYBRID.splitlines() if "memory" not in line)
    finding = mounts_finding(cgroup_mounts(text), "")
    assert finding.level is Level.FAIL
    assert "memory" in finding.seen


def test_a_read_only_cgroup_mount_fails() -> None:
    text = V1_HYBRID.replace("rw,relatime,pids", "ro,relatime,pids")
    finding = mounts_finding(cgroup_mounts(text), "")
    assert finding.level is Level.FAIL
    assert "/sys/fs/cgroup/pids" in finding.seen


def test_v2_with_its_controllers_mounts_fine() -> None:
    mounts = cgroup_mounts(V2)
    assert cgroup_version(mounts) == 2
    assert mounts_finding(mounts, V2_CONTROLLERS).level is Level.OK


def test_v2_without_pids_fails() -> None:
    finding = mounts_finding(cgroup_mounts(V2), V2_CONTROLLERS.replace(" pids", ""))
    assert finding.level is Level.FAIL
    assert "pids" in finding.seen


@pytest.mark.parametrize(("provider", "level"), [("debian", Level.WARN), ("k3s", Level.OK)])
def test_v2_is_a_warning_for_the_debian_node_only(provider: str, level: Level) -> None:
    assert version_finding(cgroup_mounts(V2), provider).level is level


def test_no_cgroup_mounted_fails() -> None:
    mounts = cgroup_mounts("proc /proc proc rw 0 0\n")
    assert version_finding(mounts, "debian").level is Level.FAIL
    assert mounts_finding(mounts, "").level is Level.FAIL
