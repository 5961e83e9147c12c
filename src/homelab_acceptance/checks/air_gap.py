"""The air-gap proof: nothing the cluster runs came from a registry. A node that pulled an
image leaves a `Pulling` event; a container whose image is not one the harness imported
runs something that did not come from the import. Both are breaches of an offline stack.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kubernetes import client as k8s

from homelab_acceptance.docker.image_names import canonical_image_name
from homelab_acceptance.errors import ClusterError

#: How the node lists its container runtime's images (CRI's namespace of containerd).
NODE_IMAGES_COMMAND = ("ctr", "--namespace", "k8s.io", "images", "ls")
#: The kubelet says this in a `Pulled` event when it pulled nothing.
ALREADY_PRESENT = "already present on machine"


@dataclass(frozen=True)
class RunningImage:
    """One container of one pod and the image it runs, as its status reports it."""

    pod: str
    container: str
    image: str
    image_id: str


@dataclass(frozen=True)
class AirGapReport:
    """What the check saw, and each breach as one line naming the pod and the image."""

    pulls: tuple[str, ...]
    foreign_images: tuple[str, ...]
    #: "namespace/pod container" -> the image's names in the node's store (the evidence).
    images: dict[str, str] = field(default_factory=dict)

    @property
    def breaches(self) -> tuple[str, ...]:
        return self.pulls + self.foreign_images


def parse_node_images(listing: str) -> dict[str, str]:
    """`ctr images ls` output as ref -> manifest digest. containerd lists an image under each
    of its names and under its image id (`sha256:…`), all with the same digest."""
    refs: dict[str, str] = {}
    for line in listing.splitlines()[1:]:
        columns = line.split()
        if len(columns) >= 3:
            refs[columns[0]] = columns[2]
    return refs


def pull_events(events: Iterable[Any]) -> list[str]:
    """Events that show an image being fetched from a registry: `Pulling`, or a `Pulled`
    that did not find the image already present."""
    pulls = []
    for event in events:
        pulled = event.reason == "Pulled" and ALREADY_PRESENT not in str(event.message)
        if event.reason == "Pulling" or pulled:
            involved = event.involved_object
            where = f"{involved.namespace}/{involved.name}" if involved else "?"
            pulls.append(f"{where}: {event.reason}: {' '.join(str(event.message).split())}")
    return pulls


def running_images(pods: Iterable[Any]) -> list[RunningImage]:
    """Every started container (init containers too) of `pods` with the image it runs."""
    found = []
    for pod in pods:
        status = pod.status
        statuses = [*(status.init_container_statuses or []), *(status.container_statuses or [])]
        for container in statuses:
            if container.image_id:
                found.append(
                    RunningImage(
                        f"{pod.metadata.namespace}/{pod.metadata.name}",
                        container.name,
                        str(container.image),
                        str(container.image_id),
                    )
                )
    return found


def foreign_images(
    running: Sequence[RunningImage], node_refs: dict[str, str], imported: Collection[str]
) -> tuple[list[str], dict[str, str]]:
    """The containers whose image is not one of `imported` (by the node's own record: the
    image id the container runs, resolved to the names stored with the same digest), and
    for every container the names found."""
    allowed = {canonical_image_name(name) for name in imported}
    breaches: list[str] = []
    seen: dict[str, str] = {}
    for item in running:
        where = f"{item.pod} {item.container}"
        image_id = item.image_id.split("://", 1)[-1]
        digest = node_refs.get(image_id)
        names = sorted(
            ref
            for ref, same in node_refs.items()
            if same == digest and not ref.startswith("sha256:")
        )
        seen[where] = ", ".join(names) or f"{item.image} ({image_id}: not in the node's store)"
        if digest is None:
            breaches.append(f"{where}: image {item.image} ({image_id}) is not in the node's store")
        elif not allowed.intersection(names):
            breaches.append(
                f"{where}: image {', '.join(names) or item.image} was not imported by the harness"
            )
    return breaches, seen


def check_air_gap(
    api: k8s.ApiClient,
    node_exec: Callable[[Sequence[str]], tuple[int, str]],
    imported: Collection[str],
    pod_namespaces: Collection[str],
    event_namespaces: Collection[str] | None = None,
) -> AirGapReport:
    """Look for pulls (events in `event_namespaces`, all when None) and for containers in
    `pod_namespaces` running an image that is not one of `imported`. `node_exec` runs a
    command in the node (the node container's exec)."""
    core = k8s.CoreV1Api(api)
    if event_namespaces is None:
        events = list(core.list_event_for_all_namespaces().items)
    else:
        events = [e for ns in event_namespaces for e in core.list_namespaced_event(ns).items]
    pods = [p for ns in sorted(pod_namespaces) for p in core.list_namespaced_pod(ns).items]
    code, listing = node_exec(NODE_IMAGES_COMMAND)
    if code != 0:
        last = listing.strip().splitlines()[-1:] or ["no output"]
        raise ClusterError(f"air gap: listing the node's images failed: {last[0][:200]}")
    breaches, seen = foreign_images(running_images(pods), parse_node_images(listing), imported)
    return AirGapReport(tuple(pull_events(events)), tuple(breaches), seen)
