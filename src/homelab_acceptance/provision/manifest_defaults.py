"""Defaults the API server fills in but pre-1.24 server-side apply needs spelled out: shared by
the manifests provisioner and the helm post-renderer (which must start fast: yaml only)."""

from __future__ import annotations

import copy
from typing import Any


def with_default_protocols(obj: dict[str, Any]) -> dict[str, Any]:
    """Ports with `protocol: TCP` where omitted, as the API server would default it: before
    Kubernetes 1.24 server-side apply rejects a port list whose key field `protocol` is
    missing ("associative list with keys has an element that omits key field")."""
    copied: dict[str, Any] = copy.deepcopy(obj)
    spec = copied.get("spec") or {}
    port_lists = [spec.get("ports") or []] if copied.get("kind") == "Service" else []
    pod = (spec.get("template") or {}).get("spec") or {}
    for container in [*(pod.get("containers") or []), *(pod.get("initContainers") or [])]:
        port_lists.append(container.get("ports") or [])
    for ports in port_lists:
        for port in ports:
            if isinstance(port, dict):
                port.setdefault("protocol", "TCP")
    return copied
