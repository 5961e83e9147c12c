"""Disk findings: the first node image build needs ~6 GB under Docker's root dir."""

from __future__ import annotations

from pathlib import Path

from homelab_acceptance.doctor.disk_checks import (
    GB,
    docker_disk_finding,
    free_bytes_at,
    workdir_disk_finding,
)
from homelab_acceptance.doctor.findings import Level


def test_the_first_build_needs_six_gigabytes() -> None:
    assert docker_disk_finding("/var/lib/docker", 7 * GB, image_cached=False).level is Level.OK
    finding = docker_disk_finding("/var/lib/docker", 4 * GB, image_cached=False)
    assert finding.level is Level.FAIL
    assert "first node image build needs 6 GB" in finding.seen


def test_with_the_image_cached_less_is_enough_but_not_nothing() -> None:
    assert docker_disk_finding("/var/lib/docker", 4 * GB, image_cached=True).level is Level.OK
    assert docker_disk_finding("/var/lib/docker", GB, image_cached=True).level is Level.FAIL


def test_unknown_free_space_warns() -> None:
    assert docker_disk_finding(None, None, image_cached=True).level is Level.WARN


def test_a_small_work_dir_warns() -> None:
    assert workdir_disk_finding(Path("/tmp/x"), 5 * GB).level is Level.OK
    assert workdir_disk_finding(Path("/tmp/x"), GB // 10).level is Level.WARN
    assert workdir_disk_finding(Path("/tmp/x"), None).level is Level.WARN


def test_free_space_is_read_at_the_nearest_existing_parent(tmp_path: Path) -> None:
    free = free_bytes_at(tmp_path / "not" / "made" / "yet")
    assert free is not None
    assert free > 0
