"""Which TCP ports the node listens on beyond loopback, and which of them nobody expects.

Read from the kernel (`/proc/net/tcp`, `/proc/net/tcp6`) rather than `ss` or `netstat`, which
a node image may lack; a socket's owner is found through the `socket:[inode]` links in
`/proc/<pid>/fd`. UDP is left out: a process's unconnected client sockets (dnsmasq's upstream
queries) are indistinguishable there from a listener.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: The kernel's TCP socket tables.
PROC_NET_COMMAND = ("cat", "/proc/net/tcp", "/proc/net/tcp6")
#: Each process's name, then its fd links (sockets show as `-> socket:[inode]`).
SOCKET_OWNERS_COMMAND = (
    "sh",
    "-c",
    'for p in /proc/[0-9]*; do echo "== $(cat "$p/comm" 2>/dev/null)"; ls -l "$p/fd" 2>/dev/null;'
    " done",
)
_LISTEN_STATE = "0A"


@dataclass(frozen=True)
class Listener:
    """A listening TCP socket: address, port and the socket's inode (to find its owner)."""

    address: ipaddress.IPv4Address | ipaddress.IPv6Address
    port: int
    inode: str

    @property
    def on_loopback(self) -> bool:
        mapped = getattr(self.address, "ipv4_mapped", None)
        return self.address.is_loopback or bool(mapped and mapped.is_loopback)

    def __str__(self) -> str:
        host = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class ExpectedListener:
    """A port that may listen beyond loopback, who should hold it (None: anyone) and why."""

    port: int
    owner: str | None
    why: str


def _address(hex_address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The kernel writes addresses as 32-bit words in host byte order (little-endian here)."""
    raw = bytes.fromhex(hex_address)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return ipaddress.ip_address(words)


def parse_listeners(proc_net: str) -> list[Listener]:
    """The LISTEN rows of /proc/net/tcp and /proc/net/tcp6 text (headers may repeat)."""
    listeners = []
    for line in proc_net.splitlines():
        columns = line.split()
        if len(columns) < 10 or columns[3] != _LISTEN_STATE or ":" not in columns[1]:
            continue
        hex_address, hex_port = columns[1].split(":")
        listeners.append(Listener(_address(hex_address), int(hex_port, 16), columns[9]))
    return listeners


def parse_socket_owners(listing: str) -> dict[str, str]:
    """socket inode -> the name of the process holding it, from `== <comm>` headers each
    followed by that process's `ls -l /proc/<pid>/fd` lines."""
    owners: dict[str, str] = {}
    current = ""
    for line in listing.splitlines():
        if line.startswith("== "):
            current = line[3:].strip()
        elif "-> socket:[" in line and current:
            inode = line.rsplit("socket:[", 1)[1].rstrip("]").strip()
            owners.setdefault(inode, current)
    return owners


def unexpected_listeners(
    listeners: Iterable[Listener],
    owners: Mapping[str, str],
    expected: Iterable[ExpectedListener],
) -> list[str]:
    """One line for each listener beyond loopback whose port is not expected, or that is held
    by another process than the expected one."""
    by_port = {e.port: e for e in expected}
    found = []
    for listener in listeners:
        if listener.on_loopback:
            continue
        owner = owners.get(listener.inode, "owner unknown")
        allowed = by_port.get(listener.port)
        if allowed is None:
            found.append(f"{listener} ({owner}) listens beyond loopback, and nothing expects it")
        elif allowed.owner is not None and allowed.owner != owner:
            found.append(f"{listener} is held by {owner}, expected {allowed.owner} ({allowed.why})")
    return found
