"""The Debian bookworm base the node image is built on: a present `debian:bookworm` image, or
one made here from Debian's archive with mmdebstrap (no container registry needed)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import docker
from docker.errors import APIError, ImageNotFound

from homelab_acceptance.docker.disk_full import disk_full_message, says_disk_full
from homelab_acceptance.errors import NodeImageBuildError

PRESENT_BASE = "debian:bookworm"
MADE_BASE = "homelab-acceptance/debian-base:bookworm"


def ensure_base_image(client: docker.DockerClient, progress: Callable[[str], None]) -> str:
    """The id of a bookworm base image, making one with mmdebstrap if none is present."""
    for name in (PRESENT_BASE, MADE_BASE):
        try:
            return str(client.images.get(name).id)
        except ImageNotFound:
            continue
    return make_base_image(client, MADE_BASE, progress)


def make_base_image(client: docker.DockerClient, tag: str, progress: Callable[[str], None]) -> str:
    """Make a bookworm minbase image tagged `tag` from Debian's archive; its id."""
    if shutil.which("mmdebstrap") is None:
        raise NodeImageBuildError(
            "node image: no debian:bookworm image and no mmdebstrap to make one: "
            "`apt-get install mmdebstrap` or `docker load` a debian:bookworm image"
        )
    progress("base image: mmdebstrap --variant=minbase bookworm (about 20 s)")
    with tempfile.TemporaryDirectory(prefix="homelab-acceptance-rootfs-") as work:
        rootfs = Path(work) / "rootfs.tar"
        result = subprocess.run(
            ["mmdebstrap", "--quiet", "--variant=minbase", "bookworm", str(rootfs)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise NodeImageBuildError(f"node image: mmdebstrap of bookworm failed: {last}")
        repository, _, version = tag.partition(":")
        try:
            client.api.import_image(src=str(rootfs), repository=repository, tag=version)
        except APIError as error:
            doing = "node image: importing the bookworm base image"
            if says_disk_full(str(error.explanation)):
                raise NodeImageBuildError(disk_full_message(client, doing)) from None
            raise NodeImageBuildError(f"{doing}: {error.explanation}") from None
    return str(client.images.get(tag).id)
