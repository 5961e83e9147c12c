"""Removing what earlier runs left behind: containers, volumes and networks labelled
`homelab-acceptance` whose owning process is gone (or all of them, when asked)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

import docker
from docker.errors import NotFound

from homelab_acceptance.run_identity import KEEP_LABEL, LABEL, OWNER_LABEL, Owner


@dataclass
class Reaped:
    """What a reap removed, by kind."""

    containers: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.containers or self.volumes or self.networks)

    def summary(self) -> str:
        return (
            f"{len(self.containers)} container(s), {len(self.volumes)} volume(s), "
            f"{len(self.networks)} network(s)"
        )


def _orphaned(labels: dict[str, str], *, everything: bool, run_id: str | None) -> bool:
    if run_id is not None:
        return labels.get(LABEL) == run_id
    if everything:
        return True
    if labels.get(KEEP_LABEL) == "true":
        return False
    owner = Owner.parse(labels.get(OWNER_LABEL, ""))
    return owner is None or not owner.is_alive()


def reap(
    client: docker.DockerClient, *, everything: bool = False, run_id: str | None = None
) -> Reaped:
    """Remove labelled resources of dead owners; with `everything`, all labelled resources
    (kept clusters included); with `run_id`, exactly that run's. Containers go first, since
    they hold the volumes and networks."""
    reaped = Reaped()
    selector = {"label": LABEL}
    for container in client.containers.list(all=True, filters=selector):
        if _orphaned(container.labels, everything=everything, run_id=run_id):
            _ignore_gone(container.remove, force=True, v=True)
            reaped.containers.append(container.name)
    for volume in client.volumes.list(filters=selector):
        if _orphaned(volume.attrs.get("Labels") or {}, everything=everything, run_id=run_id):
            _ignore_gone(volume.remove, force=True)
            reaped.volumes.append(volume.name)
    for network in client.networks.list(filters=selector):
        if _orphaned(network.attrs.get("Labels") or {}, everything=everything, run_id=run_id):
            _ignore_gone(network.remove)
            reaped.networks.append(network.name)
    return reaped


def _ignore_gone(remove: Any, **kwargs: Any) -> None:
    with contextlib.suppress(NotFound):
        remove(**kwargs)
