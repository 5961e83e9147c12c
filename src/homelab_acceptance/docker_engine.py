"""Reaching the Docker engine, with one clear line when it cannot be reached."""

from __future__ import annotations

import os

import docker
from docker.errors import DockerException

from homelab_acceptance.errors import DockerUnavailableError


def connect_docker() -> docker.DockerClient:
    """A client for the engine named by DOCKER_HOST (default: the local socket), checked with
    a ping so that an absent engine is reported here, not halfway through a run."""
    where = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except DockerException as error:
        raise DockerUnavailableError(
            f"Docker engine not reachable at {where} ({_reason(error)}): start dockerd "
            "(or `systemctl start docker`) or point DOCKER_HOST at a running engine"
        ) from None
    return client


def _reason(error: Exception) -> str:
    text = " ".join(str(error).split())
    for marker in ("No such file or directory", "Connection refused", "Permission denied"):
        if marker in text:
            return marker
    return text[:160]
