"""Reading YAML with positions, so an error in a user's file names its line; and reading it
safely: a file that is not a plain tree of modest size (aliases that expand a billionfold, an
alias inside the collection it names, nesting hundreds deep) is refused before anything walks it.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from homelab_acceptance.errors import ConfigurationError

#: Nodes a document may hold once its aliases are expanded: the reference stack has ~600, a
#: billion-laughs bomb has 10**9 and would keep the schema validator busy for hours.
MAX_EXPANDED_NODES = 100_000
#: How deep collections may nest: the schema's deepest path is 6 levels.
MAX_DEPTH = 64


def compose(text: str, path: Any, error: type[ConfigurationError]) -> Node | None:
    """The node tree of `text`, or `error` naming `path`, the line and the parser's problem."""
    return load(text, path, error)[0]


def load(text: str, path: Any, error: type[ConfigurationError]) -> tuple[Node | None, Any]:
    """The node tree and the data of `text` (composing alone misses constructor errors, such
    as a bare `=`), or `error` naming `path`, the line and the parser's problem."""
    try:
        root = yaml.compose(text)
        if root is not None:
            _TreeShape(path, error).measure(root)
        return root, yaml.safe_load(text)
    except RecursionError:
        raise error(f"{path}:1: not valid YAML (nested too deeply to read)") from None
    except yaml.reader.ReaderError as problem:
        line = text.count("\n", 0, problem.position) + 1
        raise error(
            f"{path}:{line}: not valid YAML (character #x{problem.character:04x} is not "
            "allowed: NUL and other control characters cannot appear in YAML)"
        ) from None
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        what = getattr(problem, "problem", None) or "not valid YAML"
        raise error(f"{path}:{line}: not valid YAML ({what})") from None


class _TreeShape:
    """Measures a node graph as the tree its aliases stand for, without expanding it: each
    node's expanded size and height are computed once (aliases share nodes)."""

    def __init__(self, path: Any, error: type[ConfigurationError]) -> None:
        self._path = path
        self._error = error
        self._measured: dict[int, tuple[int, int]] = {}
        self._open: set[int] = set()

    def measure(self, root: Node) -> None:
        size, height = self._size_and_height(root, 1)
        if height > MAX_DEPTH:
            self._refuse(root, f"collections nest deeper than {MAX_DEPTH} levels")
        if size > MAX_EXPANDED_NODES:
            self._refuse(
                root,
                f"its aliases expand to {size} nodes (more than {MAX_EXPANDED_NODES}; a YAML "
                "bomb?): write the document out without them",
            )

    def _size_and_height(self, node: Node, depth: int) -> tuple[int, int]:
        key = id(node)
        if key in self._open:
            self._refuse(node, "an alias refers to the collection it is in (a cycle)")
        if depth > MAX_DEPTH:
            self._refuse(node, f"collections nest deeper than {MAX_DEPTH} levels")
        if key not in self._measured:
            children: list[Node] = []
            if isinstance(node, MappingNode):
                children = [part for pair in node.value for part in pair]
            elif isinstance(node, SequenceNode):
                children = list(node.value)
            self._open.add(key)
            measured = [self._size_and_height(child, depth + 1) for child in children]
            self._open.discard(key)
            height = 1 + max((height for _, height in measured), default=0)
            self._measured[key] = (1 + sum(size for size, _ in measured), height)
        return self._measured[key]

    def _refuse(self, node: Node, why: str) -> None:
        line = node.start_mark.line + 1
        raise self._error(f"{self._path}:{line}: not accepted: {why}")


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
