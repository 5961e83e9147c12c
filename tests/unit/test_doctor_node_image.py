"""Node image findings: cached, built on the first run, or not buildable at all."""

from __future__ import annotations

from homelab_acceptance.doctor.findings import Level
from homelab_acceptance.doctor.node_image_checks import (
    NodeImageFacts,
    node_image_finding,
    probe_image,
)

NODE = "homelab-acceptance/node:0123456789abcdef"
BASE = "homelab-acceptance/debian-base:bookworm"


def test_a_cached_node_image_is_ok() -> None:
    facts = NodeImageFacts("debian", NODE, True, BASE)
    assert node_image_finding(facts).level is Level.OK
    assert probe_image(facts) == NODE


def test_an_unbuilt_node_image_warns_about_the_first_build() -> None:
    facts = NodeImageFacts("debian", NODE, False, BASE)
    finding = node_image_finding(facts)
    assert finding.level is Level.WARN
    assert "12 min" in finding.seen
    assert "homelab-acceptance node build" in finding.fix
    assert probe_image(facts) == BASE


def test_no_base_and_no_mmdebstrap_fails() -> None:
    facts = NodeImageFacts("debian", None, False, None, has_mmdebstrap=False)
    finding = node_image_finding(facts)
    assert finding.level is Level.FAIL
    assert "mmdebstrap" in finding.fix
    assert probe_image(facts) is None


def test_a_missing_k3s_image_warns_and_the_probe_uses_the_base() -> None:
    facts = NodeImageFacts("k3s", "rancher/k3s:v1.34.4-k3s1", False, BASE)
    assert node_image_finding(facts).level is Level.WARN
    assert probe_image(facts) == BASE
    present = NodeImageFacts("k3s", "rancher/k3s:v1.34.4-k3s1", True, None)
    assert node_image_finding(present).level is Level.OK
    assert probe_image(present) is None


def test_without_go_the_node_image_is_a_failed_finding_that_says_how_to_get_go() -> None:
    facts = NodeImageFacts("debian", None, False, BASE, no_go="no `go` on PATH")
    finding = node_image_finding(facts)
    assert finding.level is Level.FAIL
    assert finding.seen == "cannot be found or built: no `go` on PATH"
    assert "install Go 1.24 or newer" in finding.fix
