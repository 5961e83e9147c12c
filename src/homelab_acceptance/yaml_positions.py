"""Reading YAML with positions, so an error in a user's file names its line."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from homelab_acceptance.errors import ConfigurationError


def compose(text: str, path: Any, error: type[ConfigurationError]) -> Node | None:
    """The node tree of `text`, or `error` naming `path`, the line and the parser's problem."""
    return load(text, path, error)[0]


def load(text: str, path: Any, error: type[ConfigurationError]) -> tuple[Node | None, Any]:
    """The node tree and the data of `text` (composing alone misses constructor errors, such
    as a bare `=`), or `error` naming `path`, the line and the parser's problem."""
    try:
        return yaml.compose(text), yaml.safe_load(text)
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        what = getattr(problem, "problem", None) or "not valid YAML"
        raise error(f"{path}:{line}: not valid YAML ({what})") from None


def line_of(root: Node, location: list[Any]) -> int:
    """The line (1-based) of the node at `location` (keys and indexes), or of its deepest
    existing parent."""
    node = root
    for part in location:
        child: Node | None = None
        if isinstance(node, MappingNode):
            child = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        if child is None:
            break
        node = child
    return node.start_mark.line + 1
