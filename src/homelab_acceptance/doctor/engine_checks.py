"""The Docker engine: reachable and which version, and whether it lets the node container run
--privileged (probed the way the node container itself probes it)."""

from __future__ import annotations

from dataclasses import dataclass

import docker

from homelab_acceptance.cluster.node_container import (
    CAPABILITIES,
    PRIVILEGED,
    NodeContainer,
    NodeContainerSpec,
)
from homelab_acceptance.docker.engine import connect_docker, docker_host
from homelab_acceptance.doctor.findings import Finding, fail, ok, warn
from homelab_acceptance.errors import DockerUnavailableError
from homelab_acceptance.run_identity import RunIdentity


@dataclass(frozen=True)
class EngineFacts:
    where: str
    version: str | None = None
    root_dir: str | None = None
    #: Why the engine could not be reached (None: it answered).
    error: str | None = None


@dataclass(frozen=True)
class PrivilegeFacts:
    #: PRIVILEGED or CAPABILITIES from the probe, None when it could not run.
    mode: str | None
    not_probed_because: str = ""


def engine_finding(facts: EngineFacts) -> Finding:
    if facts.error is not None:
        return fail(
            "docker",
            facts.error,
            "start a Docker engine (Debian: apt-get install docker.io, then dockerd), or point "
            "DOCKER_HOST at one",
        )
    return ok("docker", f"engine {facts.version} at {facts.where}, root dir {facts.root_dir}")


def privilege_finding(facts: PrivilegeFacts) -> Finding:
    if facts.mode == PRIVILEGED:
        return ok("privileged containers", "allowed: the node container runs --privileged")
    if facts.mode == CAPABILITIES:
        return warn(
            "privileged containers",
            "refused by the engine: the node falls back to capabilities mode (all capabilities "
            "but SYS_RESOURCE, unconfined seccomp, AppArmor and /proc paths), as in sandboxes",
            "nothing to do if the run passes; for the privileged setup run dockerd as root "
            "without userns-remap or rootless mode",
        )
    return warn(
        "privileged containers",
        f"not probed ({facts.not_probed_because})",
        "the run probes it itself and says which mode it used",
    )


def gather_engine() -> tuple[EngineFacts, docker.DockerClient | None]:
    where = docker_host()
    try:
        client = connect_docker()
    except DockerUnavailableError as error:
        return EngineFacts(where, error=str(error)), None
    info = client.info()
    facts = EngineFacts(where, str(client.version().get("Version")), str(info.get("DockerRootDir")))
    return facts, client


def probe_privileged(client: docker.DockerClient | None, image: str | None) -> PrivilegeFacts:
    """Run the node container's own --privileged probe (a throwaway `true` container, removed)
    from `image`, a local image that has `true`; nothing is pulled."""
    if client is None:
        return PrivilegeFacts(None, "no Docker engine")
    if image is None:
        return PrivilegeFacts(None, "no local image to probe with yet: neither node nor base image")
    identity = RunIdentity.new()
    spec = NodeContainerSpec(
        image=image,
        name=f"homelab-acceptance-doctor-{identity.run_id}",
        hostname="doctor",
        labels=identity.labels(),
    )
    return PrivilegeFacts(NodeContainer(client, spec).probe_security_mode())
