"""Port findings: a pinned API port taken fails, a taken NodePort block only warns."""

from __future__ import annotations

import socket

from homelab_acceptance.cluster.host_ports import free_port_block
from homelab_acceptance.doctor.findings import Level
from homelab_acceptance.doctor.port_checks import (
    PortFacts,
    api_port_finding,
    gather_ports,
    node_ports_finding,
)

BLOCK = (30000, 32)


def test_a_chosen_api_port_is_ok() -> None:
    assert api_port_finding(PortFacts(None, True, BLOCK, ())).level is Level.OK


def test_a_pinned_api_port_taken_fails() -> None:
    assert api_port_finding(PortFacts(6443, True, BLOCK, ())).level is Level.OK
    finding = api_port_finding(PortFacts(6443, False, BLOCK, ()))
    assert finding.level is Level.FAIL
    assert "127.0.0.1:6443" in finding.seen


def test_taken_node_ports_warn_with_their_ranges() -> None:
    assert node_ports_finding(PortFacts(None, True, BLOCK, ())).level is Level.OK
    finding = node_ports_finding(PortFacts(None, True, BLOCK, (30000, 30001, 30002, 30005)))
    assert finding.level is Level.WARN
    assert finding.seen.startswith("30000-30002, 30005 taken")
    assert "above 40000" in finding.seen


def test_a_listening_socket_is_seen_as_taken() -> None:
    first = free_port_block(4, preferred_start=None, search_from=48000)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", first + 1))
        holder.listen()
        facts = gather_ports(first + 1, (first, 4))
    assert facts.node_ports_taken == (first + 1,)
    assert not facts.api_port_free


def test_nodeports_the_node_cannot_publish_fail_with_the_reason() -> None:
    reason = "the stack's NodePorts 30020 of a (a:80), 32000 of b (b:80) are 1980 apart"
    finding = node_ports_finding(PortFacts(None, True, BLOCK, (), reason))
    assert finding.level is Level.FAIL
    assert finding.seen == reason
    assert "node_port" in finding.fix
