from __future__ import annotations

import socket

from homelab_acceptance.cluster.host_ports import free_port, free_port_block, port_is_free


def test_a_free_port_is_free() -> None:
    assert port_is_free(free_port())


def test_the_preferred_block_is_used_when_free() -> None:
    start = free_port_block(
        3, preferred_start=free_port_block(3, preferred_start=1, search_from=45000)
    )
    assert all(port_is_free(port) for port in range(start, start + 3))


def test_a_taken_port_moves_the_block() -> None:
    preferred = free_port_block(4, preferred_start=1, search_from=46000)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", preferred + 2))
        holder.listen()
        start = free_port_block(4, preferred_start=preferred, search_from=47000)
    assert start != preferred
    assert start >= 47000
