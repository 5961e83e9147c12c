"""Reading a k3d config (schema k3d.io/v1alpha5) for a single-node homelab, with errors that
name the file, the line and the field: `k3d-config.yaml:7: servers: expected 1 …`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from homelab_acceptance.errors import ConfigurationError
from homelab_acceptance.spec.yaml_positions import compose

API_VERSION = "k3d.io/v1alpha5"
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class K3dConfig:
    """What the harness needs from a k3d config; k3d itself reads the rest."""

    path: Path
    image: str
    ports: tuple[str, ...]


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, node: Node, field: str, problem: str) -> ConfigurationError:
        return ConfigurationError(f"{self.path}:{node.start_mark.line + 1}: {field}: {problem}")

    def mapping(self, node: Node, field: str) -> dict[str, Node]:
        if not isinstance(node, MappingNode):
            raise self.fail(node, field, "expected a mapping")
        return {str(key.value): value for key, value in node.value}

    def scalar(self, node: Node, field: str) -> str:
        if not isinstance(node, ScalarNode):
            raise self.fail(node, field, "expected a single value")
        return str(node.value)

    def integer(self, node: Node, field: str) -> int:
        text = self.scalar(node, field)
        if not text.isdigit():
            raise self.fail(node, field, f"expected a whole number, got {text!r}")
        return int(text)


def load_k3d_config(path: Path) -> K3dConfig:
    """Validate `path` as a k3d config for one server node that listens only on 127.0.0.1."""
    root = _compose(path)
    reader = _Reader(path)
    top = reader.mapping(root, "(document)")

    def required(field: str) -> Node:
        if field not in top:
            raise reader.fail(root, field, "missing")
        return top[field]

    expected = {"apiVersion": API_VERSION, "kind": "Simple"}
    for field, value in expected.items():
        found = reader.scalar(required(field), field)
        if found != value:
            raise reader.fail(top[field], field, f"expected {value}, got {found!r}")
    for field, count in (("servers", 1), ("agents", 0)):
        if field in top and reader.integer(top[field], field) != count:
            raise reader.fail(top[field], field, f"expected {count}: a homelab here is one node")
    image = reader.scalar(required("image"), "image")
    if ":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest"):
        raise reader.fail(top["image"], "image", f"pin an exact tag (got {image!r})")
    if "kubeAPI" in top:
        api = reader.mapping(top["kubeAPI"], "kubeAPI")
        if "hostIP" in api and reader.scalar(api["hostIP"], "kubeAPI.hostIP") != LOOPBACK:
            raise reader.fail(api["hostIP"], "kubeAPI.hostIP", f"must be {LOOPBACK}")
    ports = _loopback_ports(reader, top["ports"]) if "ports" in top else ()
    return K3dConfig(path, image, ports)


def _compose(path: Path) -> Node:
    if not path.is_file():
        raise ConfigurationError(f"k3d:// {path}: no such file")
    root = compose(path.read_text(), path, ConfigurationError)
    if root is None:
        raise ConfigurationError(f"{path}:1: empty file: expected a k3d config ({API_VERSION})")
    return root


def _loopback_ports(reader: _Reader, sequence: Node) -> tuple[str, ...]:
    if not isinstance(sequence, SequenceNode):
        raise reader.fail(sequence, "ports", "expected a list")
    ports: list[str] = []
    for index, item in enumerate(sequence.value):
        field = f"ports[{index}].port"
        entry = reader.mapping(item, f"ports[{index}]")
        if "port" not in entry:
            raise reader.fail(item, field, "missing")
        port = reader.scalar(entry["port"], field)
        if not port.startswith(f"{LOOPBACK}:"):
            problem = f"{port!r} would listen beyond loopback; write {LOOPBACK}:{port}"
            raise reader.fail(entry["port"], field, problem)
        ports.append(port)
    return tuple(ports)
