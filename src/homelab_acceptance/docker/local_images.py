"""Building workload images locally from Debian's archive: no registry, ever.

A recipe is a directory with a Dockerfile that starts `ARG BASE_IMAGE` / `FROM ${BASE_IMAGE}`;
it is built on the same bookworm base as the node image. Docker's layer cache makes a second
build of an unchanged recipe take about a second.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import docker
from docker.errors import APIError, BuildError

from homelab_acceptance.docker.base_image import ensure_base_image
from homelab_acceptance.docker.disk_full import (
    disk_full_message,
    says_disk_full,
    without_terminal_colours,
)
from homelab_acceptance.errors import LocalImageBuildError
from homelab_acceptance.run_identity import LABEL


def build_local_image(
    client: docker.DockerClient,
    recipe: Path,
    tag: str,
    progress: Callable[[str], None] = print,
) -> str:
    """Build `recipe` as `tag` (which must not be :latest: the kubelet would try to pull it)."""
    if tag.endswith(":latest") or ":" not in tag.rsplit("/", 1)[-1]:
        raise LocalImageBuildError(
            f"image tag {tag!r}: give an explicit version (a :latest image is always pulled)"
        )
    if not (recipe / "Dockerfile").is_file():
        raise LocalImageBuildError(f"image recipe {recipe}: no Dockerfile there")
    base_id = ensure_base_image(client, progress)
    try:
        client.images.build(
            path=str(recipe),
            tag=tag,
            buildargs={"BASE_IMAGE": base_id},
            labels={LABEL: "workload-image"},
            rm=True,
            forcerm=True,
        )
    except BuildError as error:
        last = " | ".join(
            without_terminal_colours(str(chunk.get("stream", ""))).strip()
            for chunk in list(error.build_log)[-3:]
        )
        if says_disk_full(f"{error.msg} {last}"):
            raise LocalImageBuildError(disk_full_message(client, f"image {tag}")) from None
        raise LocalImageBuildError(f"image {tag} from {recipe}: {error.msg} ({last})") from None
    except APIError as error:
        if says_disk_full(str(error.explanation)):
            raise LocalImageBuildError(disk_full_message(client, f"image {tag}")) from None
        raise LocalImageBuildError(f"image {tag} from {recipe}: {error.explanation}") from None
    return tag
