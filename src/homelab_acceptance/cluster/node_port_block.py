"""Which NodePorts a harness-made node publishes on 127.0.0.1: one block, by default
30000-30031, moved or widened to hold every NodePort the stack declares
(`expect.endpoints[].node_port`), so that no URL option is needed for them. A block is kept
small (each published port costs the engine a proxy process at every start and stop): the
declared ports must lie within MAX_BLOCK of each other. A `nodeports=A-B` the user gave is
kept as given, and a declared port outside it is named."""

from __future__ import annotations

from collections.abc import Mapping

from homelab_acceptance.cluster.container_cluster import DEFAULT_NODE_PORTS
from homelab_acceptance.errors import ConfigurationError
from homelab_acceptance.spec import Stack

DEFAULT_BLOCK = DEFAULT_NODE_PORTS
MAX_BLOCK = 100
LAST_NODE_PORT = 32767


def declared_node_ports(stack: Stack) -> dict[int, str]:
    """NodePort -> where the stack declares it (component and endpoint)."""
    return {
        endpoint.node_port: f"{component.name} ({endpoint.service}:{endpoint.port})"
        for component in stack.components
        for endpoint in component.expect.endpoints
        if endpoint.node_port is not None
    }


def node_port_block(
    declared: Mapping[int, str], given: tuple[int, int] | None = None
) -> tuple[int, int]:
    """(first port, count) of the block to publish; ConfigurationError naming the ports that
    cannot be had."""
    if given is not None:
        first, count = given
        outside = sorted(port for port in declared if not first <= port < first + count)
        if outside:
            raise ConfigurationError(
                f"NodePort {_named(outside, declared)} is outside the published "
                f"nodeports={first}-{first + count - 1}: widen nodeports= or drop it (the "
                "block then follows the stack's NodePorts)"
            )
        return given
    first, count = DEFAULT_BLOCK
    if all(first <= port < first + count for port in declared):
        return DEFAULT_BLOCK
    low, high = min(declared), max(declared)
    if high - low + 1 > MAX_BLOCK:
        raise ConfigurationError(
            f"the stack's NodePorts {_named([low, high], declared)} are {high - low} apart: a "
            f"node publishes one block of at most {MAX_BLOCK} ports on 127.0.0.1; declare them "
            f"within {MAX_BLOCK} of each other (e.g. 30000-30099)"
        )
    count = max(DEFAULT_BLOCK[1], high - low + 1)
    first = min(low, LAST_NODE_PORT - count + 1)
    return first, count


def _named(ports: list[int], declared: Mapping[int, str]) -> str:
    return ", ".join(f"{port} of {declared[port]}" for port in ports)
