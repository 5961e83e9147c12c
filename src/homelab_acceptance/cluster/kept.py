"""Kept clusters: node containers a run left on purpose (`--keep-cluster`), found again by
name for `--reuse-cluster` and spared by the reaper until `clean --all`.

A cluster is kept when its container carries the keep label (`--keep-cluster=always` sets it
at creation) or when its run's work dir holds a `kept` marker (written at the end of a
`--keep-cluster=on-failure` run that failed: Docker labels cannot be changed afterwards).
Its volume and network share its run id and are kept with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import docker

from homelab_acceptance.errors import ConfigurationError
from homelab_acceptance.run_identity import KEEP_LABEL, LABEL, workdirs_root

#: The provider scheme ("debian", "k3s") of a node container, so a reuse knows its class.
PROVIDER_LABEL = "homelab-acceptance.provider"
#: The marker in a run's work dir that keeps its cluster (its first line: when it was kept).
KEPT_MARKER = "kept"
CONTAINER_PREFIX = "homelab-acceptance-"


@dataclass(frozen=True)
class KeptCluster:
    """A kept node container: its name (what --reuse-cluster takes), run id and provider."""

    name: str
    run_id: str
    provider: str
    created: str
    running: bool

    def line(self) -> str:
        state = "running" if self.running else "stopped"
        return f"{self.name} ({self.provider}://, created {self.created}, {state})"


def mark_kept(run_id: str) -> None:
    """Record that the cluster of `run_id` is kept from now on (its container has no keep
    label: the decision came at the end of the run)."""
    workdir = workdirs_root() / run_id
    workdir.mkdir(mode=0o700, parents=True, exist_ok=True)
    (workdir / KEPT_MARKER).write_text(datetime.now(UTC).isoformat(timespec="seconds") + "\n")


def _is_kept(labels: dict[str, str]) -> bool:
    if labels.get(KEEP_LABEL) == "true":
        return True
    run_id = labels.get(LABEL, "")
    return bool(run_id) and (workdirs_root() / run_id / KEPT_MARKER).is_file()


def kept_clusters(client: docker.DockerClient) -> list[KeptCluster]:
    """Every kept cluster of this engine, the most recently created first."""
    found = []
    # Another run's --privileged probe may vanish mid-listing: "No such container".
    listed = client.containers.list(
        all=True, filters={"label": PROVIDER_LABEL}, ignore_removed=True
    )
    for container in listed:
        labels: dict[str, str] = container.labels
        if not _is_kept(labels):
            continue
        attrs: dict[str, Any] = container.attrs
        found.append(
            KeptCluster(
                name=str(container.name),
                run_id=labels.get(LABEL, ""),
                provider=labels[PROVIDER_LABEL],
                created=str(attrs.get("Created", ""))[:19],
                running=container.status == "running",
            )
        )
    return sorted(found, key=lambda kept: kept.created, reverse=True)


def kept_run_ids(client: docker.DockerClient) -> set[str]:
    """Run ids whose container, volume and network the reaper must leave alone."""
    return {kept.run_id for kept in kept_clusters(client)}


def find_kept(client: docker.DockerClient, name: str) -> KeptCluster:
    """The kept cluster called `name` (its container name or bare run id); "latest" or ""
    means the most recently created one. One line listing the kept ones when none matches."""
    kept = kept_clusters(client)
    if name in ("", "latest") and kept:
        return kept[0]
    wanted = name if name.startswith(CONTAINER_PREFIX) else CONTAINER_PREFIX + name
    for candidate in kept:
        if candidate.name == wanted:
            return candidate
    listing = "; ".join(k.line() for k in kept) or "none"
    asked = f"no kept cluster named {name!r}" if name not in ("", "latest") else "no kept cluster"
    raise ConfigurationError(
        f"--reuse-cluster: {asked} on this Docker engine (kept: {listing}); keep one with "
        "--keep-cluster=always"
    )
