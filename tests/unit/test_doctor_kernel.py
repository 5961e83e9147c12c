"""/dev/kmsg and inotify findings, and reading the limits from a /proc/sys tree."""

from __future__ import annotations

from pathlib import Path

from homelab_acceptance.doctor.findings import Level
from homelab_acceptance.doctor.kernel_checks import (
    inotify_finding,
    kmsg_finding,
    read_inotify_limits,
    read_kmsg_is_char_device,
)

INSTANCES = "fs.inotify.max_user_instances"
WATCHES = "fs.inotify.max_user_watches"


def test_kmsg_present_or_missing() -> None:
    assert kmsg_finding(True).level is Level.OK
    assert kmsg_finding(False).level is Level.FAIL


def test_a_regular_file_is_no_kmsg(tmp_path: Path) -> None:
    fake = tmp_path / "kmsg"
    fake.write_text("")
    assert not read_kmsg_is_char_device(fake)
    assert not read_kmsg_is_char_device(tmp_path / "absent")
    assert read_kmsg_is_char_device(Path("/dev/null"))


def test_the_kernel_defaults_warn_with_the_sysctl_line() -> None:
    finding = inotify_finding({INSTANCES: 128, WATCHES: 8192})
    assert finding.level is Level.WARN
    assert finding.fix.startswith(f"sysctl -w {INSTANCES}=512 {WATCHES}=524288")


def test_only_the_low_limit_is_named() -> None:
    finding = inotify_finding({INSTANCES: 1024, WATCHES: 8192})
    assert finding.level is Level.WARN
    assert INSTANCES not in finding.fix
    assert f"{WATCHES}=524288" in finding.fix


def test_raised_limits_are_ok() -> None:
    assert inotify_finding({INSTANCES: 512, WATCHES: 524288}).level is Level.OK


def test_limits_are_read_from_proc_sys(tmp_path: Path) -> None:
    inotify = tmp_path / "fs" / "inotify"
    inotify.mkdir(parents=True)
    (inotify / "max_user_instances").write_text("128\n")
    limits = read_inotify_limits(tmp_path)
    assert limits == {INSTANCES: 128, WATCHES: None}
    assert inotify_finding(limits).level is Level.WARN
