"""Engine and --privileged findings from gathered facts."""

from __future__ import annotations

from homelab_acceptance.cluster.node_container import CAPABILITIES, PRIVILEGED
from homelab_acceptance.doctor.engine_checks import (
    EngineFacts,
    PrivilegeFacts,
    engine_finding,
    privilege_finding,
)
from homelab_acceptance.doctor.findings import Level


def test_a_reachable_engine_is_ok_with_its_version() -> None:
    finding = engine_finding(EngineFacts("unix:///var/run/docker.sock", "20.10.24", "/d"))
    assert finding.level is Level.OK
    assert "20.10.24" in finding.seen


def test_an_unreachable_engine_fails() -> None:
    finding = engine_finding(EngineFacts("unix:///x.sock", error="Docker engine not reachable"))
    assert finding.level is Level.FAIL
    assert "dockerd" in finding.fix


def test_privileged_allowed_is_ok() -> None:
    assert privilege_finding(PrivilegeFacts(PRIVILEGED)).level is Level.OK


def test_capabilities_mode_is_a_warning_not_a_failure() -> None:
    finding = privilege_finding(PrivilegeFacts(CAPABILITIES))
    assert finding.level is Level.WARN
    assert "capabilities mode" in finding.seen


def test_not_probed_says_why() -> None:
    finding = privilege_finding(PrivilegeFacts(None, "no Docker engine"))
    assert finding.level is Level.WARN
    assert "no Docker engine" in finding.seen
