"""An image recipe that carries a Go program (go.mod and go-programs.yaml beside its
Dockerfile, docs/image-recipes.md), built for real by build_local_image: the program first,
with the machine's Go and its flags, then the Dockerfile with the binary in go-bin/; a second
build finds the program in its cache and builds nothing with go."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.docker.local_images import build_local_image
from homelab_acceptance.errors import LocalImageBuildError
from homelab_acceptance.go_programs.build import CACHE_ENV
from homelab_acceptance.pytest_plugin.session_state import run_identity_key

pytestmark = pytest.mark.skipif(
    shutil.which("go") is None and not Path("/usr/local/go/bin/go").exists(),
    reason="no Go on this machine",
)

MAIN = 'package main\n\nimport "fmt"\n\nvar tone = "plain"\n\nfunc main() { fmt.Println(tone) }\n'
DOCKERFILE = """\
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY go-bin/chime /usr/local/bin/chime
USER 65534:65534
ENTRYPOINT ["/usr/local/bin/chime"]
"""
DECLARATION = """\
version: v0.3.0
binaries:
  example.invalid/chime: chime
ldflags: ["-s", "-w", "-X main.tone=stamped"]
env: {CGO_ENABLED: "0"}
"""


@pytest.fixture
def recipe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "go-cache"))
    recipe = tmp_path / "images" / "chime"
    recipe.mkdir(parents=True)
    (recipe / "go.mod").write_text("module example.invalid/chime\n\ngo 1.24.0\n")
    (recipe / "main.go").write_text(MAIN)
    (recipe / "go-programs.yaml").write_text(DECLARATION)
    (recipe / "Dockerfile").write_text(DOCKERFILE)
    return recipe


@pytest.fixture
def tag(request: pytest.FixtureRequest) -> Iterator[str]:
    """This test's own image tag, removed afterwards (only the image this test made)."""
    identity = request.config.stash[run_identity_key]
    name = f"homelab-acceptance/test-chime:0.3.0-{identity.run_id}"
    yield name
    client = connect_docker()
    if client.images.list(name=name):
        client.images.remove(name, force=True)


def test_the_program_is_built_into_the_image_and_cached(
    request: pytest.FixtureRequest, recipe: Path, tag: str
) -> None:
    lines: list[str] = []
    build_local_image(connect_docker(), recipe, tag, lines.append)
    assert any(line.startswith("go: built chime v0.3.0 in ") for line in lines), lines
    labels = request.config.stash[run_identity_key].labels()
    ran = connect_docker().containers.run(tag, remove=True, labels=labels).decode()
    assert ran == "stamped\n"  # built with the declared ldflags, run as nobody
    again: list[str] = []
    build_local_image(connect_docker(), recipe, tag, again.append)
    assert not any(line.startswith("go: ") for line in again), again
    assert not (recipe / "go-bin").exists()  # the recipe itself is left as it was


def test_a_program_that_does_not_build_fails_the_image_with_gos_words(
    recipe: Path, tag: str
) -> None:
    (recipe / "main.go").write_text("package main\n\nfunc main() { undefined() }\n")
    with pytest.raises(LocalImageBuildError) as raised:
        build_local_image(connect_docker(), recipe, tag, lambda _: None)
    message = str(raised.value)
    assert message.startswith(f"image {tag}: go build of chime v0.3.0 failed")
    assert "undefined" in message
