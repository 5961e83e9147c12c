"""The host ports a run publishes on 127.0.0.1: a pinned API port must be free (it is never
changed), the NodePort block keeps its numbers only when free (else a block above 40000)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from homelab_acceptance.cluster.host_ports import LOOPBACK, port_is_free
from homelab_acceptance.doctor.findings import Finding, fail, ok, warn


@dataclass(frozen=True)
class PortFacts:
    #: The `api_port=` of the cluster spec, None when the run chooses a free one.
    api_port: int | None
    api_port_free: bool
    node_ports: tuple[int, int]  # first port, count
    node_ports_taken: tuple[int, ...]
    #: Why the stack's NodePorts cannot be published (node_port_block), None when they can.
    node_ports_error: str | None = None


def api_port_finding(facts: PortFacts) -> Finding:
    if facts.api_port is None:
        return ok("API port", f"chosen free on {LOOPBACK} at start (no api_port= pinned)")
    where = f"{LOOPBACK}:{facts.api_port}"
    if facts.api_port_free:
        return ok("API port", f"{where} (api_port=) free")
    return fail(
        "API port",
        f"{where} is taken, and a pinned api_port= is never changed",
        "stop what listens there, or drop api_port= from --cluster (a free port is chosen then)",
    )


def node_ports_finding(facts: PortFacts) -> Finding:
    first, count = facts.node_ports
    block = f"{LOOPBACK}:{first}-{first + count - 1}"
    if facts.node_ports_error is not None:
        return fail(
            "NodePorts",
            facts.node_ports_error,
            "change the stack's expect.endpoints[].node_port, or the cluster's nodeports=",
        )
    if not facts.node_ports_taken:
        return ok("NodePorts", f"{block} free (published with the same numbers)")
    taken = _ranges(facts.node_ports_taken)
    return warn(
        "NodePorts",
        f"{taken} taken on {LOOPBACK} (another run or service): the node publishes NodePorts "
        f"{first}-{first + count - 1} on a free block above 40000 instead",
        "nothing needed (Cluster.node_port_address() says where); free them to keep the numbers",
    )


def gather_ports(
    api_port: int | None, node_ports: tuple[int, int], node_ports_error: str | None = None
) -> PortFacts:
    first, count = node_ports
    taken = tuple(port for port in range(first, first + count) if not port_is_free(port))
    api_free = api_port is None or port_is_free(api_port)
    return PortFacts(api_port, api_free, node_ports, taken, node_ports_error)


def _ranges(ports: Sequence[int]) -> str:
    """30000, 30001, 30002, 30005 -> '30000-30002, 30005'."""
    parts: list[str] = []
    start = previous = ports[0]
    for port in [*ports[1:], None]:
        if port is not None and port == previous + 1:
            previous = port
            continue
        parts.append(str(start) if start == previous else f"{start}-{previous}")
        if port is not None:
            start = previous = port
    return ", ".join(parts)
