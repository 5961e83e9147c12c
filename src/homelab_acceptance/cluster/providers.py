"""Cluster specs are URLs, in the manner of testinfra's host specs: `debian://`,
`debian://?api_port=16443&nodeports=30000-30019`, `auto`. A small registry maps each scheme to
the class that serves it, imported only when that scheme is asked for."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from homelab_acceptance.cluster.contract import Cluster
from homelab_acceptance.errors import ConfigurationError
from homelab_acceptance.run_identity import RunIdentity

PROVIDERS: dict[str, str] = {
    "debian": "homelab_acceptance.cluster.debian:DebianCluster",
}
DEFAULT_SPEC = "auto"


def parse_node_ports(text: str) -> tuple[int, int]:
    """ "30000-30031" -> (30000, 32): first port and count of the published NodePort range."""
    first, _, last = text.partition("-")
    if not (first.isdigit() and last.isdigit()) or not 30000 <= int(first) <= int(last) <= 32767:
        raise ConfigurationError(
            f"debian:// option nodeports={text!r}: expected FIRST-LAST within 30000-32767"
        )
    return int(first), int(last) - int(first) + 1


def _debian_options(options: dict[str, str]) -> dict[str, Any]:
    known: dict[str, Callable[[str], tuple[str, Any]]] = {
        "api_port": lambda v: ("api_port", _port(v)),
        "nodeports": lambda v: ("node_ports", parse_node_ports(v)),
    }
    return dict(_convert("debian", options, known))


def _convert(
    scheme: str, options: dict[str, str], known: dict[str, Callable[[str], tuple[str, Any]]]
) -> list[tuple[str, Any]]:
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise ConfigurationError(
            f"{scheme}:// does not know the option(s) {', '.join(unknown)} "
            f"(known: {', '.join(sorted(known))})"
        )
    return [known[key](value) for key, value in options.items()]


def _port(value: str) -> int:
    if not value.isdigit() or not 1024 <= int(value) <= 65535:
        raise ConfigurationError(f"api_port={value!r}: expected a port number from 1024 to 65535")
    return int(value)


OPTION_PARSERS: dict[str, Callable[[dict[str, str]], dict[str, Any]]] = {
    "debian": _debian_options,
}


def resolve_spec(spec: str) -> tuple[str, dict[str, str]]:
    """`auto` -> the provider to use, saying why; a URL -> (scheme, options)."""
    if spec == "auto":
        # k3s:// is not part of the harness yet: until it is, auto always means debian://.
        return "debian", {}
    parts = urlsplit(spec)
    if parts.scheme not in PROVIDERS or "://" not in spec:
        raise ConfigurationError(
            f"cluster spec {spec!r}: unknown provider; use one of "
            + ", ".join(f"{name}://" for name in PROVIDERS)
            + " or auto"
        )
    options: dict[str, str] = {}
    for key, values in parse_qs(parts.query, keep_blank_values=True).items():
        if len(values) != 1:
            raise ConfigurationError(f"cluster spec {spec!r}: option {key} given more than once")
        options[key] = values[0]
    return parts.scheme, options


def open_cluster(
    spec: str = DEFAULT_SPEC,
    identity: RunIdentity | None = None,
    *,
    keep: bool = False,
    progress: Callable[[str], None] = print,
) -> Cluster:
    """The Cluster a spec names, not yet up (no I/O here)."""
    scheme, raw_options = resolve_spec(spec)
    if spec == "auto":
        progress("cluster: auto chose debian:// (the only provider built so far)")
    options = OPTION_PARSERS[scheme](raw_options)
    module_name, _, class_name = PROVIDERS[scheme].partition(":")
    cluster_class = getattr(importlib.import_module(module_name), class_name)
    cluster: Cluster = cluster_class(identity, keep=keep, progress=progress, **options)
    return cluster
