"""Removing what earlier runs left behind: containers, volumes and networks labelled
`homelab-acceptance` whose owning process is gone (or all of them, when asked)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
from docker.errors import APIError, NotFound

from homelab_acceptance.cluster.kept import kept_run_ids
from homelab_acceptance.run_identity import (
    KEEP_LABEL,
    LABEL,
    OWNER_FILE,
    OWNER_LABEL,
    Owner,
    workdirs_root,
)


@dataclass
class Reaped:
    """What a reap removed, by kind."""

    containers: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    workdirs: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.containers or self.volumes or self.networks or self.workdirs)

    def summary(self) -> str:
        return (
            f"{len(self.containers)} container(s), {len(self.volumes)} volume(s), "
            f"{len(self.networks)} network(s), {len(self.workdirs)} kubeconfig dir(s)"
        )


def _orphaned(
    labels: dict[str, str], *, everything: bool, run_id: str | None, kept: set[str]
) -> bool:
    if run_id is not None:
        return labels.get(LABEL) == run_id
    if everything:
        return True
    if labels.get(KEEP_LABEL) == "true" or labels.get(LABEL) in kept:
        return False
    owner = Owner.parse(labels.get(OWNER_LABEL, ""))
    return owner is None or not owner.is_alive()


def reap(
    client: docker.DockerClient, *, everything: bool = False, run_id: str | None = None
) -> Reaped:
    """Remove labelled resources of dead owners; with `everything`, all labelled resources
    (kept clusters included); with `run_id`, exactly that run's. Containers go first, since
    they hold the volumes and networks. A kept cluster (cluster/kept.py) is left whole."""
    reaped = Reaped()
    selector = {"label": LABEL}
    kept = set() if everything or run_id is not None else kept_run_ids(client)
    # Another run's short-lived containers (its --privileged probe) may vanish between
    # the listing and docker-py's inspect of each: that is "No such container", not a fault.
    for container in client.containers.list(all=True, filters=selector, ignore_removed=True):
        if _orphaned(container.labels, everything=everything, run_id=run_id, kept=kept):
            _ignore_gone(container.remove, force=True, v=True)
            reaped.containers.append(container.name)
    for volume in client.volumes.list(filters=selector):
        labels = volume.attrs.get("Labels") or {}
        if _orphaned(labels, everything=everything, run_id=run_id, kept=kept):
            _ignore_gone(volume.remove, force=True)
            reaped.volumes.append(volume.name)
    for network in client.networks.list(filters=selector):
        labels = network.attrs.get("Labels") or {}
        if _orphaned(labels, everything=everything, run_id=run_id, kept=kept):
            _ignore_gone(network.remove)
            reaped.networks.append(network.name)
    _reap_workdirs(client, reaped)
    return reaped


def _reap_workdirs(client: docker.DockerClient, reaped: Reaped) -> None:
    """Host-side directories (kubeconfigs) of runs that no longer have a node container.
    Only this host's are visible, and only run ids (hex) are touched."""
    root = workdirs_root()
    if not root.is_dir():
        return
    living = {
        c.labels.get(LABEL)
        for c in client.containers.list(all=True, filters={"label": LABEL}, ignore_removed=True)
    }
    for path in root.iterdir():
        if (
            path.is_dir()
            and path.name not in living
            and all(ch in "0123456789abcdef" for ch in path.name)
            and not _owner_alive(path)
        ):
            shutil.rmtree(path, ignore_errors=True)
            reaped.workdirs.append(str(path))


def _owner_alive(workdir: Path) -> bool:
    try:
        owner = Owner.parse((workdir / OWNER_FILE).read_text().strip())
    except OSError:
        return False
    return owner is not None and owner.is_alive()


def _ignore_gone(remove: Any, **kwargs: Any) -> None:
    """Remove, unless it is gone already or another run's reaper is removing it right now
    (two runs started together both reap what a killed run left: Docker answers 409)."""
    try:
        remove(**kwargs)
    except NotFound:
        return
    except APIError as error:
        if error.status_code != 409:
            raise
