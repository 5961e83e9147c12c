"""Building the node image, cached by a content key: the recipe's files and the base image.

A second `ensure_node_image` with nothing changed finds the tagged image and returns at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
from docker.errors import APIError, ImageNotFound

from homelab_acceptance.docker.base_image import ensure_base_image
from homelab_acceptance.docker.disk_full import (
    disk_full_message,
    says_disk_full,
    without_terminal_colours,
)
from homelab_acceptance.errors import NodeImageBuildError
from homelab_acceptance.go_programs import (
    COREDNS,
    ETCD,
    KUBERNETES,
    LOCAL_PATH_PROVISIONER,
    built_program,
)
from homelab_acceptance.run_identity import LABEL

RECIPE_DIR = Path(__file__).parent
REPOSITORY = "homelab-acceptance/node"
#: Built from their Go modules on the host, then copied into the image (Dockerfile: bin/).
NODE_PROGRAMS = (KUBERNETES, ETCD)
#: Built the same way; they run as pods, from images the recipe makes of them (addons/).
ADDON_PROGRAMS = (COREDNS, LOCAL_PATH_PROVISIONER)
#: Every Go program the image is made from, in the order its content key names them.
IMAGE_PROGRAMS = (*NODE_PROGRAMS, *ADDON_PROGRAMS)
HEARTBEAT_S = 30.0
_STEP = re.compile(r"^Step (\d+)/(\d+) : (.*)$")
#: The engine repeats a failed RUN step's whole command; the step line already names it.
_WHOLE_COMMAND = re.compile(r"The command '.*' returned")


@dataclass(frozen=True)
class NodeImage:
    """A built node image: its tag, and whether this call had to build it."""

    tag: str
    built: bool


def recipe_files() -> list[Path]:
    return sorted(
        [RECIPE_DIR / "Dockerfile", RECIPE_DIR / ".dockerignore", *(RECIPE_DIR / "files").iterdir()]
    )


def content_key(base_image_id: str, binaries: Sequence[Path] = ()) -> str:
    """A digest of everything the image is made from: each recipe file's name and bytes, the
    base image's id, and the Go-built binaries' cache entries (named by their own content
    keys, go_programs/build.py)."""
    digest = hashlib.sha256(base_image_id.encode())
    for entry in binaries:
        digest.update(entry.name.encode() + b"\0")
    for path in recipe_files():
        digest.update(path.relative_to(RECIPE_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def ensure_node_image(
    client: docker.DockerClient,
    progress: Callable[[str], None] = print,
    *,
    force: bool = False,
) -> NodeImage:
    """The node image's tag, building it first if no image with this content key exists."""
    base_id = ensure_base_image(client, progress)
    binaries = [built_program(program, progress) for program in NODE_PROGRAMS]
    addons = [built_program(program, progress) for program in ADDON_PROGRAMS]
    tag = f"{REPOSITORY}:{content_key(base_id, [*binaries, *addons])}"
    if not force:
        try:
            client.images.get(tag)
            return NodeImage(tag, built=False)
        except ImageNotFound:
            pass
    progress(f"node image: building {tag} (cold: about 1 min on 2 cores; cached afterwards)")
    with build_context(binaries, addons) as context:
        _build(client, tag, base_id, context, progress)
    _remove_superseded(client, tag, progress)
    return NodeImage(tag, built=True)


def _remove_superseded(
    client: docker.DockerClient, current: str, progress: Callable[[str], None]
) -> None:
    """Node images of earlier recipes take ~650 MB each: remove those no container uses."""
    # Other runs' containers come and go meanwhile: one removed mid-listing is not in use.
    listed = client.containers.list(all=True, ignore_removed=True)
    in_use = {c.attrs.get("Image") for c in listed}
    for image in client.images.list(name=REPOSITORY):
        tags = [t for t in image.tags if t != current]
        if image.id in in_use or current in image.tags or not tags:
            continue
        for tag in tags:
            with contextlib.suppress(APIError):
                client.images.remove(tag)
        progress(f"node image: removed superseded {', '.join(tags)}")


@contextlib.contextmanager
def build_context(binaries: Sequence[Path], addons: Sequence[Path] = ()) -> Iterator[Path]:
    """The recipe with the Go-built binaries in its bin/ and the add-ons' in addons/ (hard
    links where the cache is on the same filesystem, copies otherwise), in a temporary
    folder."""
    with tempfile.TemporaryDirectory(prefix="homelab-node-image-") as folder:
        context = Path(folder)
        shutil.copy2(RECIPE_DIR / "Dockerfile", context / "Dockerfile")
        shutil.copy2(RECIPE_DIR / ".dockerignore", context / ".dockerignore")
        shutil.copytree(RECIPE_DIR / "files", context / "files")
        _link_binaries(binaries, context / "bin")
        _link_binaries(addons, context / "addons")
        yield context


def _link_binaries(entries: Sequence[Path], folder: Path) -> None:
    folder.mkdir()
    for entry in entries:
        for binary in sorted(entry.iterdir()):
            target = folder / binary.name
            try:
                os.link(binary, target)
            except OSError:
                shutil.copy2(binary, target)


def _build(
    client: docker.DockerClient,
    tag: str,
    base_id: str,
    context: Path,
    progress: Callable[[str], None],
) -> None:
    started = time.monotonic()
    state = _BuildState()
    stop = threading.Event()
    heartbeat = threading.Thread(
        target=_heartbeat, args=(state, started, stop, progress), daemon=True
    )
    heartbeat.start()
    try:
        for line in _stream(client, tag, base_id, context):
            state.observe(line, progress)
    except NodeImageBuildError as error:
        if says_disk_full(str(error)):
            raise NodeImageBuildError(
                disk_full_message(client, f"node image: step {state.step}")
            ) from None
        raise
    finally:
        stop.set()
        heartbeat.join()
    progress(f"node image: built {tag} in {time.monotonic() - started:.0f}s")


def _stream(
    client: docker.DockerClient, tag: str, base_id: str, context: Path
) -> Iterator[dict[str, Any]]:
    try:
        yield from client.api.build(
            path=str(context),
            tag=tag,
            buildargs={"BASE_IMAGE": base_id},
            labels={LABEL: "node-image"},
            rm=True,
            forcerm=True,
            decode=True,
        )
    except APIError as error:
        raise NodeImageBuildError(
            f"node image: the Docker engine refused the build: {error}"
        ) from None


class _BuildState:
    """Follows the build output: the current step, and the last lines for an error message."""

    def __init__(self) -> None:
        self.step = "starting"
        self.tail: list[str] = []

    def observe(self, chunk: dict[str, Any], progress: Callable[[str], None]) -> None:
        if "error" in chunk or "errorDetail" in chunk:
            detail = str(chunk.get("error") or chunk["errorDetail"].get("message", ""))
            detail = _WHOLE_COMMAND.sub("the command returned", " ".join(detail.split()))
            context = " | ".join(self.tail[-3:])
            raise NodeImageBuildError(
                f"node image: step {self.step} failed: {detail}"
                + (f" (last output: {context})" if context else "")
            )
        for raw_line in without_terminal_colours(str(chunk.get("stream", ""))).splitlines():
            line = raw_line.rstrip()
            if not line:
                continue
            self.tail = [*self.tail[-9:], line[:200]]
            match = _STEP.match(line)
            if match:
                self.step = f"{match[1]}/{match[2]} ({match[3][:90]})"
                progress(f"node image: step {self.step}")
            elif line.startswith("+++ "):
                progress(f"node image:   {line[4:][:120]}")


def _heartbeat(
    state: _BuildState, started: float, stop: threading.Event, progress: Callable[[str], None]
) -> None:
    while not stop.wait(HEARTBEAT_S):
        progress(f"node image: still at step {state.step}, {time.monotonic() - started:.0f}s in")
