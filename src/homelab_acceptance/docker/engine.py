"""Reaching the Docker engine, with one clear line when it cannot be reached.

The engine is found the way testcontainers finds it, so a pytest user's testcontainers setup
is honoured as it is: `tc.host` in ~/.testcontainers.properties (or TESTCONTAINERS_HOST_…
settings), else DOCKER_HOST, else the current docker context, else the local socket."""

from __future__ import annotations

import os

import docker
from docker.errors import DockerException
from testcontainers.core.docker_client import get_docker_host

from homelab_acceptance.errors import DockerUnavailableError

LOCAL_SOCKET = "unix:///var/run/docker.sock"


def docker_host() -> str:
    """Where the engine is, as testcontainers discovers it."""
    return get_docker_host() or LOCAL_SOCKET


def docker_environment() -> dict[str, str]:
    """This process's environment with DOCKER_HOST set to the discovered engine: for the
    Docker client and for the `docker` CLI the harness runs (save, exec), so both reach the
    same engine."""
    return {**os.environ, "DOCKER_HOST": docker_host()}


def connect_docker() -> docker.DockerClient:
    """A client for the engine testcontainers would use, checked with a ping so that an
    absent engine is reported here, not halfway through a run."""
    where = docker_host()
    try:
        client = docker.from_env(timeout=120, environment=docker_environment())
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
