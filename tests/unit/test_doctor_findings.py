"""A finding is one line: level, what, what was seen, and the fix unless it is ok."""

from __future__ import annotations

from homelab_acceptance.doctor.findings import any_failed, fail, ok, warn


def test_lines_are_aligned_and_ok_lines_carry_no_fix() -> None:
    assert ok("docker", "engine 20.10").line() == "ok    docker: engine 20.10"
    assert warn("inotify", "128", "sysctl").line() == "warn  inotify: 128 — sysctl"
    assert fail("tool helm", "missing", "./scripts/setup").line() == (
        "fail  tool helm: missing — ./scripts/setup"
    )


def test_any_failed() -> None:
    assert not any_failed([ok("a", "b"), warn("c", "d", "e")])
    assert any_failed([ok("a", "b"), fail("c", "d", "e")])
