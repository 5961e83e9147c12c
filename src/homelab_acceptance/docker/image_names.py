"""Image references as containerd records them, so that names given in a stack spec and names
a node lists can be compared."""

from __future__ import annotations

DEFAULT_REGISTRY = "docker.io"


def canonical_image_name(name: str) -> str:
    """The name as containerd records it: `busybox:1` is `docker.io/library/busybox:1`."""
    first, _, rest = name.partition("/")
    if not rest:
        return f"{DEFAULT_REGISTRY}/library/{name}"
    if "." in first or ":" in first or first == "localhost":
        return name
    return f"{DEFAULT_REGISTRY}/{name}"
