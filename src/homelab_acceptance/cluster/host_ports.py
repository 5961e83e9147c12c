"""Choosing free host ports on 127.0.0.1 for what a node publishes."""

from __future__ import annotations

import random
import socket

from homelab_acceptance.errors import PortTakenError

LOOPBACK = "127.0.0.1"


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port the kernel says is free on 127.0.0.1 now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def free_port_block(size: int, preferred_start: int | None, search_from: int = 40000) -> int:
    """The first port of `size` consecutive free ports: `preferred_start` if that block is
    free (so NodePorts keep their numbers on the host), else a free block above `search_from`.
    The search starts at a random block: runs starting together (each checks, then starts its
    node) would otherwise all pick the same first free block and all but one fail to bind."""
    preferred = [] if preferred_start is None else [preferred_start]
    blocks = range(search_from, 65536 - size, size)
    first = random.randrange(len(blocks))
    candidates: list[int] = [*preferred, *blocks[first:], *blocks[:first]]
    for start in candidates:
        if all(port_is_free(port) for port in range(start, start + size)):
            return start
    raise PortTakenError(f"no {size} consecutive free ports on {LOOPBACK} for NodePorts")
