"""Listening sockets read from the kernel's tables, their owners, and which are unexpected."""

from __future__ import annotations

from homelab_acceptance.checks.node_listeners import (
    ExpectedListener,
    parse_listeners,
    parse_socket_owners,
    unexpected_listeners,
)

# Rows as the node printed them: 127.0.0.1:2379 (etcd), 192.168.96.2:53 (dnsmasq), an
# established connection, [::]:6443 (kube-apiserver), [::]:10251 (kube-scheduler), and
# ::ffff:127.0.0.1 port 9999 (a v4-mapped loopback listener).
V6_ANY = "0" * 32


def row(local: str, remote: str, state: str, inode: int) -> str:
    """A /proc/net/tcp{,6} row: sl, addresses, state, queues, timers, uid, timeout, inode."""
    return f"   0: {local} {remote} {state} 00000000:00000000 00:00000000 00000000 0 0 {inode} 1"


HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid"
PROC_NET = "\n".join(
    [
        HEADER,
        row("0100007F:094B", "00000000:0000", "0A", 101),
        row("0260A8C0:0035", "00000000:0000", "0A", 102),
        row("0100007F:094B", "0100007F:8AF0", "01", 103),
        HEADER,
        row(f"{V6_ANY}:192B", f"{V6_ANY}:0000", "0A", 104),
        row(f"{V6_ANY}:280B", f"{V6_ANY}:0000", "0A", 105),
        row("0000000000000000FFFF00000100007F:270F", f"{V6_ANY}:0000", "0A", 106),
    ]
)

OWNERS = """\
== etcd
lrwx------ 1 root root 64 Nov 23 10:00 7 -> socket:[101]
l-wx------ 1 root root 64 Nov 23 10:00 1 -> /var/log/homelab-node/etcd.log
== dnsmasq
lrwx------ 1 root root 64 Nov 23 10:00 5 -> socket:[102]
== kube-apiserver
lrwx------ 1 root root 64 Nov 23 10:00 7 -> socket:[104]
== kube-scheduler
lrwx------ 1 root root 64 Nov 23 10:00 7 -> socket:[105]
==
"""

DEBIAN_EXPECTED = [
    ExpectedListener(6443, "kube-apiserver", "API"),
    ExpectedListener(53, "dnsmasq", "DNS"),
]


def test_listening_rows_are_read_with_their_addresses_and_ports() -> None:
    found = [(str(listener), listener.inode) for listener in parse_listeners(PROC_NET)]
    assert found == [
        ("127.0.0.1:2379", "101"),
        ("192.168.96.2:53", "102"),
        ("[::]:6443", "104"),
        ("[::]:10251", "105"),
        ("[::ffff:7f00:1]:9999", "106"),
    ]
    assert [listener.on_loopback for listener in parse_listeners(PROC_NET)] == [
        True,
        False,
        False,
        False,
        True,
    ]


def test_owners_are_found_by_socket_inode() -> None:
    assert parse_socket_owners(OWNERS) == {
        "101": "etcd",
        "102": "dnsmasq",
        "104": "kube-apiserver",
        "105": "kube-scheduler",
    }


def test_a_port_nobody_expects_is_named_with_its_owner() -> None:
    listeners = parse_listeners(PROC_NET)
    owners = parse_socket_owners(OWNERS)
    assert unexpected_listeners(listeners, owners, DEBIAN_EXPECTED) == [
        "[::]:10251 (kube-scheduler) listens beyond loopback, and nothing expects it"
    ]


def test_an_expected_port_held_by_another_process_is_flagged() -> None:
    listeners = parse_listeners(PROC_NET)
    owners = {**parse_socket_owners(OWNERS), "104": "nc"}
    expected = [*DEBIAN_EXPECTED, ExpectedListener(10251, None, "anyone")]
    assert unexpected_listeners(listeners, owners, expected) == [
        "[::]:6443 is held by nc, expected kube-apiserver (API)"
    ]


def test_nothing_is_flagged_when_every_port_is_expected() -> None:
    listeners = parse_listeners(PROC_NET)
    expected = [*DEBIAN_EXPECTED, ExpectedListener(10251, "kube-scheduler", "test")]
    assert unexpected_listeners(listeners, parse_socket_owners(OWNERS), expected) == []
