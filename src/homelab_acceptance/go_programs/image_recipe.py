"""Go programs an image recipe carries: a wrapper module beside its Dockerfile.

An image recipe (`images[].build` in a stack spec) may hold, beside its Dockerfile, a Go
wrapper module of its own (`go.mod` and `go.sum`: the upstream module required, its
`replace`/`exclude` lines copied, `tool` lines naming the main packages) and a declaration,
`go-programs.yaml`, of what to build from it:

    # What the binaries report (and the cache entry is named after).
    version: v3.16.0
    # main package → the binary's file name in the build context's go-bin/ folder.
    binaries:
      github.com/prometheus/prometheus/cmd/prometheus: prometheus
    # Optional: what upstream's release builds stamp, their build tags, the environment.
    ldflags: ["-s", "-w", "-X github.com/prometheus/common/version.Version=3.16.0"]
    tags: [netgo]
    env: {CGO_ENABLED: "0"}

`build_local_image` builds these first with the machine's Go, as the node image's programs
are built (`built_program`: `-mod=readonly` against the committed go.sum, cached by a content
key under ~/.cache/homelab-acceptance/go-programs/, progress lines while a cold build runs),
then builds the Dockerfile from a copy of the recipe with the binaries in `go-bin/`, so the
Dockerfile says `COPY go-bin/prometheus /usr/bin/prometheus`. The program is named after the
recipe's folder."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from homelab_acceptance.errors import GoBuildError
from homelab_acceptance.go_programs.recipe import GoProgram

#: The declaration's file name in an image recipe.
DECLARATION = "go-programs.yaml"
#: Where the binaries are in the image's build context.
BINARIES_DIR = "go-bin"

_KEYS = {"version", "binaries", "ldflags", "tags", "env"}
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def image_go_program(recipe: Path) -> GoProgram | None:
    """The Go programs `recipe` declares in go-programs.yaml; None when it declares none."""
    declaration = recipe / DECLARATION
    if not declaration.is_file():
        return None

    def refuse(what: str) -> GoBuildError:
        return GoBuildError(f"image recipe {recipe}: {DECLARATION}: {what}")

    try:
        document = yaml.safe_load(declaration.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise refuse(f"not YAML ({' '.join(str(error).split())[:200]})") from None
    if not isinstance(document, dict):
        raise refuse("must be a mapping with version and binaries")
    unknown = sorted(set(map(str, document)) - _KEYS)
    if unknown:
        raise refuse(f"unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(_KEYS))})")
    if not (recipe / "go.mod").is_file():
        raise refuse("no go.mod beside it (the wrapper module the binaries are built from)")
    version = document.get("version")
    if not isinstance(version, str) or not version.strip():
        raise refuse("version: give the version the binaries report, e.g. v3.16.0")
    binaries = document.get("binaries")
    if not isinstance(binaries, dict) or not binaries:
        raise refuse("binaries: give at least one `main package: file name`")
    for package, name in binaries.items():
        if not isinstance(package, str) or not isinstance(name, str):
            raise refuse(f"binaries: {package!r}: {name!r} must be text: text")
        if not _FILE_NAME.fullmatch(name):
            raise refuse(f"binaries: {name!r} is not a plain file name")
    if len(set(binaries.values())) < len(binaries):
        raise refuse("binaries: two packages would be the same file")
    return GoProgram(
        name=recipe.name,
        version=version.strip(),
        binaries=dict(binaries),
        ldflags=_texts(document, "ldflags", refuse),
        tags=_texts(document, "tags", refuse),
        env=_env(document, refuse),
        recipes=recipe.parent,
    )


def _texts(
    document: dict[str, Any], key: str, refuse: Callable[[str], GoBuildError]
) -> tuple[str, ...]:
    given = document.get(key) or []
    if not isinstance(given, list) or not all(isinstance(item, str) for item in given):
        raise refuse(f"{key}: must be a list of text")
    return tuple(given)


def _env(document: dict[str, Any], refuse: Callable[[str], GoBuildError]) -> dict[str, str]:
    given = document.get("env") or {}
    if not isinstance(given, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in given.items()
    ):
        raise refuse('env: must map names to text (quote numbers: CGO_ENABLED: "0")')
    return dict(given)
