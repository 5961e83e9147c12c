"""An image recipe's Go programs (go-programs.yaml beside a wrapper module): the declaration
read into a GoProgram named after the recipe's folder, refused with the reason when it is
wrong, and built for real, from a wrapper module with no dependencies (so no network)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from homelab_acceptance.errors import GoBuildError
from homelab_acceptance.go_programs import KUBERNETES, built_program, image_go_program
from homelab_acceptance.go_programs.build import CACHE_ENV, content_key

ROOT = Path(__file__).parents[2]
HAS_GO = shutil.which("go") is not None or Path("/usr/local/go/bin/go").exists()

MAIN = 'package main\n\nimport "fmt"\n\nvar tone = "plain"\n\nfunc main() { fmt.Println(tone) }\n'
DECLARATION = """\
version: v0.2.0
binaries:
  example.invalid/chime: chime
ldflags: ["-X main.tone=stamped"]
tags: [netgo]
env: {CGO_ENABLED: "0"}
"""


def recipe_with(tmp_path: Path, declaration: str, *, go_mod: bool = True) -> Path:
    recipe = tmp_path / "images" / "chime"
    recipe.mkdir(parents=True)
    (recipe / "Dockerfile").write_text("ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n")
    if go_mod:
        (recipe / "go.mod").write_text("module example.invalid/chime\n\ngo 1.24.0\n")
        (recipe / "main.go").write_text(MAIN)
    (recipe / "go-programs.yaml").write_text(declaration)
    return recipe


def test_a_recipe_without_a_declaration_has_no_go_programs(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    assert image_go_program(tmp_path) is None


def test_the_declaration_is_the_program_named_after_its_folder(tmp_path: Path) -> None:
    program = image_go_program(recipe_with(tmp_path, DECLARATION))
    assert program is not None
    assert (program.name, program.version) == ("chime", "v0.2.0")
    assert program.binaries == {"example.invalid/chime": "chime"}
    assert program.ldflags == ("-X main.tone=stamped",)
    assert program.tags == ("netgo",)
    assert program.env == {"CGO_ENABLED": "0"}
    assert program.recipe_dir == tmp_path / "images" / "chime"


@pytest.mark.parametrize(
    ("declaration", "says"),
    [
        ("- a list\n", "must be a mapping"),
        ("version: v1\nbinaries: {a/b: b}\nflags: []\n", "unknown key(s) flags"),
        ("binaries: {a/b: b}\n", "version: give the version"),
        ("version: v1\n", "binaries: give at least one"),
        ("version: v1\nbinaries: {a/b: ../b}\n", "'../b' is not a plain file name"),
        ("version: v1\nbinaries: {a/b: b, c/b: b}\n", "two packages would be the same file"),
        ("version: v1\nbinaries: {a/b: b}\nenv: {CGO_ENABLED: 0}\n", "quote numbers"),
        ("version: v1\nbinaries: {a/b: b}\nldflags: -s\n", "ldflags: must be a list"),
        ("version: [v1\n", "not YAML"),
    ],
)
def test_a_wrong_declaration_is_refused_with_the_reason(
    tmp_path: Path, declaration: str, says: str
) -> None:
    recipe = recipe_with(tmp_path, declaration)
    with pytest.raises(GoBuildError, match=r"go-programs\.yaml: ") as raised:
        image_go_program(recipe)
    assert says in str(raised.value)
    assert str(recipe) in str(raised.value)


def test_a_declaration_needs_its_wrapper_module(tmp_path: Path) -> None:
    with pytest.raises(GoBuildError, match=r"no go\.mod beside it"):
        image_go_program(recipe_with(tmp_path, DECLARATION, go_mod=False))


def test_the_tags_are_part_of_the_key_only_when_given(tmp_path: Path) -> None:
    program = image_go_program(recipe_with(tmp_path, DECLARATION))
    assert program is not None
    assert content_key(program, "go") != content_key(replace(program, tags=()), "go")
    # Programs without tags keep the keys their builds were cached under before tags were
    # known (the node image's Go programs are not built again).
    assert content_key(KUBERNETES, "go1.26.8 linux amd64") == "401158255677488e"


@pytest.mark.skipif(not HAS_GO, reason="no Go on this machine")
def test_the_declared_program_builds_with_its_flags_and_tags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    recipe = recipe_with(tmp_path, DECLARATION)
    # A file only the netgo tag compiles in: the tags reach go build.
    (recipe / "tagged.go").write_text(
        '//go:build netgo\n\npackage main\n\nfunc init() { tone += " netgo" }\n'
    )
    program = image_go_program(recipe)
    assert program is not None
    entry = built_program(program, lambda _: None)
    ran = subprocess.run([str(entry / "chime")], capture_output=True, text=True, check=True)
    assert ran.stdout == "stamped netgo\n"
    assert entry.name.startswith("chime-v0.2.0-")


def test_the_reference_prometheus_recipe_declares_a_stamped_static_build() -> None:
    program = image_go_program(ROOT / "stack" / "images" / "prometheus")
    assert program is not None
    assert program.binaries == {
        "github.com/prometheus/prometheus/cmd/prometheus": "prometheus",
        "github.com/prometheus/prometheus/cmd/promtool": "promtool",
    }
    assert program.tags == ("netgo", "remove_all_sd", "enable_kubernetes_sd")
    assert "-X github.com/prometheus/common/version.Version=3.16.0" in program.ldflags
    assert program.env == {"CGO_ENABLED": "0"}
    go_mod = (program.recipe_dir / "go.mod").read_text()
    assert "\nrequire github.com/prometheus/prometheus v0.316.0" in go_mod or (
        "\tgithub.com/prometheus/prometheus v0.316.0" in go_mod
    )
    assert "GOTOOLCHAIN" not in program.env  # its go.mod asks for Go 1.26.7
    assert (program.recipe_dir / "go.sum").is_file()
