"""The image the node runs: for debian:// the node image cached under its content key (else the
first run builds it, about 12 minutes), for k3s:// the pinned rancher/k3s image loaded."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import docker

from homelab_acceptance.docker.base_image import MADE_BASE, PRESENT_BASE
from homelab_acceptance.doctor.findings import Finding, fail, ok, warn
from homelab_acceptance.errors import GoBuildError
from homelab_acceptance.go_programs import cache_entry
from homelab_acceptance.node_image.build import IMAGE_PROGRAMS, REPOSITORY, content_key


@dataclass(frozen=True)
class NodeImageFacts:
    provider: str
    #: The image the node would run (debian://: the node image of the current recipe).
    image: str | None
    present: bool
    #: debian:// only: the bookworm base present, and mmdebstrap to make one if not.
    base_image: str | None = None
    has_mmdebstrap: bool = True
    #: debian:// only: why the Go programs the image is made from cannot be built (no `go`).
    no_go: str | None = None


def node_image_finding(facts: NodeImageFacts) -> Finding:
    if facts.provider == "k3s":
        if facts.present:
            return ok("node image", f"{facts.image} present")
        return warn(
            "node image",
            f"{facts.image} not present: the run pulls it, which fails without a registry",
            f"`docker load` it (docker save {facts.image} on a machine with a registry) "
            "or use --cluster debian://",
        )
    if facts.no_go is not None:
        return fail(
            "node image",
            f"cannot be found or built: {facts.no_go}",
            "install Go 1.24 or newer (`go` on PATH or /usr/local/go/bin/go), or use "
            "--cluster k3s:// with the rancher/k3s image loaded",
        )
    if facts.present:
        return ok("node image", f"{facts.image} cached")
    if facts.base_image is None and not facts.has_mmdebstrap:
        return fail(
            "node image",
            f"not built, and no {PRESENT_BASE} image and no mmdebstrap to make the base",
            "apt-get install mmdebstrap (./scripts/setup does)",
        )
    return warn(
        "node image",
        "not built yet: the first run builds it (about 12 min on 2 cores: Kubernetes, etcd, "
        "CoreDNS and local-path-provisioner from their Go modules, ~4 GB of Go caches, then "
        "the image)",
        "build it ahead: homelab-acceptance node build",
    )


def gather_node_image(client: docker.DockerClient, provider: str, k3s_image: str) -> NodeImageFacts:
    base = next((name for name in (PRESENT_BASE, MADE_BASE) if _present(client, name)), None)
    has_mmdebstrap = shutil.which("mmdebstrap") is not None
    if provider == "k3s":
        return NodeImageFacts(provider, k3s_image, _present(client, k3s_image), base)
    if base is None:
        return NodeImageFacts(provider, None, False, None, has_mmdebstrap)
    # The key names the Go-built binaries' cache entries, built or not: computing it builds
    # nothing (an image of this key exists only once they were built).
    try:
        binaries = [cache_entry(program) for program in IMAGE_PROGRAMS]
    except GoBuildError as error:  # the cache key names the Go version: no Go, no key
        return NodeImageFacts(provider, None, False, base, has_mmdebstrap, no_go=str(error))
    tag = f"{REPOSITORY}:{content_key(str(client.images.get(base).id), binaries)}"
    return NodeImageFacts(provider, tag, _present(client, tag), base, has_mmdebstrap)


def probe_image(facts: NodeImageFacts) -> str | None:
    """A local Debian image (it has `true`) for the --privileged probe: the debian:// node
    image, else the bookworm base."""
    if facts.provider != "k3s" and facts.present and facts.image is not None:
        return facts.image
    return facts.base_image


def _present(client: docker.DockerClient, reference: str) -> bool:
    return bool(client.images.list(name=reference))
