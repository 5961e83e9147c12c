"""Building workload images locally from Debian's archive: no registry, ever.

A recipe is a directory with a Dockerfile that starts `ARG BASE_IMAGE` / `FROM ${BASE_IMAGE}`;
it is built on the same bookworm base as the node image. Docker's layer cache makes a second
build of an unchanged recipe take about a second.

A recipe may also carry Go programs: a wrapper module (go.mod, go.sum) and go-programs.yaml
naming its main packages (go_programs/image_recipe.py). They are built first with the
machine's Go (cached by a content key, like the node image's programs), and the Dockerfile is
built from a temporary copy of the recipe with the binaries in go-bin/.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import docker
from docker.errors import APIError, BuildError

from homelab_acceptance.docker.base_image import ensure_base_image
from homelab_acceptance.docker.disk_full import (
    disk_full_message,
    says_disk_full,
    without_terminal_colours,
)
from homelab_acceptance.errors import GoBuildError, LocalImageBuildError
from homelab_acceptance.go_programs import GoProgram, built_program, image_go_program
from homelab_acceptance.go_programs.image_recipe import BINARIES_DIR
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
    try:
        program = image_go_program(recipe)
        binaries = built_program(program, progress) if program is not None else None
    except GoBuildError as error:
        raise LocalImageBuildError(f"image {tag}: {error}") from None
    base_id = ensure_base_image(client, progress)
    try:
        with _build_context(recipe, program, binaries) as context:
            client.images.build(
                path=str(context),
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


@contextmanager
def _build_context(
    recipe: Path, program: GoProgram | None, binaries: Path | None
) -> Iterator[Path]:
    """The recipe itself, or, when it carries Go programs, a temporary copy of it with the
    built binaries in go-bin/ (linked where the cache is on the same filesystem)."""
    if program is None or binaries is None:
        yield recipe
        return
    if (recipe / BINARIES_DIR).exists():
        raise LocalImageBuildError(
            f"image recipe {recipe}: {BINARIES_DIR}/ is where the built Go programs go; "
            "rename the recipe's own folder"
        )
    with tempfile.TemporaryDirectory(prefix=f"homelab-acceptance-{recipe.name}-") as work:
        context = Path(work) / "context"
        shutil.copytree(recipe, context, symlinks=True)
        (context / BINARIES_DIR).mkdir()
        for name in program.binaries.values():
            try:
                os.link(binaries / name, context / BINARIES_DIR / name)
            except OSError:
                shutil.copy2(binaries / name, context / BINARIES_DIR / name)
        yield context
