"""`auto`, the default cluster spec: K3S when its pinned image is present or can be pulled
within a short, bounded time; otherwise the registry-free debian:// node. One line says which
and why."""

from __future__ import annotations

from collections.abc import Callable

from homelab_acceptance.cluster.k3s import DEFAULT_IMAGE, image_unavailable_reason
from homelab_acceptance.docker.engine import connect_docker

AUTO_PULL_TIMEOUT_S = 15.0


def choose_provider(progress: Callable[[str], None]) -> str:
    reason = image_unavailable_reason(connect_docker(), DEFAULT_IMAGE, AUTO_PULL_TIMEOUT_S)
    if reason is None:
        progress(f"cluster: auto chose k3s:// ({DEFAULT_IMAGE} is available)")
        return "k3s://"
    progress(f"cluster: auto chose debian:// ({DEFAULT_IMAGE} is {reason})")
    return "debian://"
