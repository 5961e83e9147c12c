"""Cluster specs are URLs, in the manner of testinfra's host specs: `debian://`,
`k3s://?image=rancher/k3s:v1.34.4-k3s1`, `k3d://k3d-config.yaml`,
`kubeconfig://~/.kube/config?context=homelab`, or `auto`. A small registry maps each scheme to
the class that serves it (imported only when asked for) and to the options it accepts."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from homelab_acceptance.cluster.auto import choose_provider
from homelab_acceptance.cluster.contract import Cluster
from homelab_acceptance.errors import ConfigurationError
from homelab_acceptance.run_identity import RunIdentity

DEFAULT_SPEC = "auto"
Converter = Callable[[str], Any]


def parse_node_ports(text: str) -> tuple[int, int]:
    """ "30000-30031" -> (30000, 32): first port and count of the published NodePort range."""
    first, _, last = text.partition("-")
    if not (first.isdigit() and last.isdigit()) or not 30000 <= int(first) <= int(last) <= 32767:
        raise ConfigurationError(
            f"option nodeports={text!r}: expected FIRST-LAST within 30000-32767"
        )
    return int(first), int(last) - int(first) + 1


def parse_port(value: str) -> int:
    if not value.isdigit() or not 1024 <= int(value) <= 65535:
        raise ConfigurationError(f"api_port={value!r}: expected a port number from 1024 to 65535")
    return int(value)


def existing_path(option: str, *, directory: bool = False) -> Converter:
    def convert(value: str) -> Path:
        path = Path(value).expanduser()
        if not (path.is_dir() if directory else path.is_file()):
            kind = "directory" if directory else "file"
            raise ConfigurationError(f"option {option}={value!r}: no such {kind}")
        return path

    return convert


@dataclass(frozen=True)
class Provider:
    """A scheme's class ("module:Class"), its options (URL name -> keyword, converter), and
    whether the URL names a target (a file) after `://`."""

    target: str
    options: dict[str, tuple[str, Converter]] = field(default_factory=dict)
    target_keyword: str | None = None


_NODE_OPTIONS: dict[str, tuple[str, Converter]] = {
    "api_port": ("api_port", parse_port),
    "nodeports": ("node_ports", parse_node_ports),
}

PROVIDERS: dict[str, Provider] = {
    "debian": Provider("homelab_acceptance.cluster.debian:DebianCluster", _NODE_OPTIONS),
    "k3s": Provider(
        "homelab_acceptance.cluster.k3s:K3sCluster",
        {
            **_NODE_OPTIONS,
            "image": ("image", str),
            "airgap_images": ("airgap_images", existing_path("airgap_images", directory=True)),
            "registries": ("registries", existing_path("registries")),
        },
    ),
    "k3d": Provider("homelab_acceptance.cluster.k3d:K3dCluster", target_keyword="config"),
    "kubeconfig": Provider(
        "homelab_acceptance.cluster.existing:ExistingCluster",
        {"context": ("context", str), "restart": ("restart_command", str)},
        target_keyword="kubeconfig",
    ),
}


@dataclass(frozen=True)
class ClusterSpec:
    """A parsed cluster URL."""

    scheme: str
    target: str
    options: dict[str, str]


def parse_spec(spec: str) -> ClusterSpec:
    scheme, separator, rest = spec.partition("://")
    if not separator or scheme not in PROVIDERS:
        known = ", ".join(f"{name}://" for name in PROVIDERS)
        raise ConfigurationError(
            f"cluster spec {spec!r}: unknown provider; use one of {known} or auto"
        )
    target, _, query = rest.partition("?")
    options: dict[str, str] = {}
    for key, values in parse_qs(query, keep_blank_values=True).items():
        if len(values) != 1:
            raise ConfigurationError(f"cluster spec {spec!r}: option {key} given more than once")
        options[key] = values[0]
    provider = PROVIDERS[scheme]
    if provider.target_keyword is None and target:
        raise ConfigurationError(f"cluster spec {spec!r}: {scheme}:// takes no path, only ?options")
    if provider.target_keyword is not None and not target:
        raise ConfigurationError(f"cluster spec {spec!r}: {scheme}:// needs a file after ://")
    unknown = sorted(set(options) - set(provider.options))
    if unknown:
        raise ConfigurationError(
            f"cluster spec {spec!r}: {scheme}:// does not know the option(s) {', '.join(unknown)} "
            f"(known: {', '.join(sorted(provider.options)) or 'none'})"
        )
    return ClusterSpec(scheme, target, options)


def check_spec(spec: str) -> None:
    """ConfigurationError (one line) when `spec` is malformed: an unknown scheme, an unknown
    or bad option, a missing file an option names. No I/O beyond those files."""
    if spec == DEFAULT_SPEC:
        return
    parsed = parse_spec(spec)
    provider = PROVIDERS[parsed.scheme]
    for key, value in parsed.options.items():
        provider.options[key][1](value)


def open_cluster(
    spec: str = DEFAULT_SPEC,
    identity: RunIdentity | None = None,
    *,
    keep: bool = False,
    progress: Callable[[str], None] = print,
) -> Cluster:
    """The Cluster a spec names, not yet up. Only `auto` looks at Docker here (to see whether
    the K3S image can be had); every other spec is resolved without I/O."""
    if spec == "auto":
        spec = choose_provider(progress)
    parsed = parse_spec(spec)
    provider = PROVIDERS[parsed.scheme]
    arguments: dict[str, Any] = {}
    for key, value in parsed.options.items():
        keyword, convert = provider.options[key]
        arguments[keyword] = convert(value)
    if provider.target_keyword is not None:
        arguments[provider.target_keyword] = Path(parsed.target).expanduser()
    cluster: Cluster = provider_class(parsed.scheme)(
        identity, keep=keep, progress=progress, **arguments
    )
    return cluster


def provider_class(scheme: str) -> Any:
    """The class serving `scheme` (imported now, not before: each pulls in its own needs)."""
    module_name, _, class_name = PROVIDERS[scheme].target.partition(":")
    return getattr(importlib.import_module(module_name), class_name)
