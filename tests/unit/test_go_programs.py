"""Go programs built with the machine's Go, for real, from a wrapper module with no
dependencies (so no network): named as go names them, cached by a content key, rebuilt when
the recipe changes, and a failed build says which program and what go said."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from homelab_acceptance.errors import GoBuildError
from homelab_acceptance.go_programs import KUBERNETES, GoProgram, built_program
from homelab_acceptance.go_programs.build import CACHE_ENV, go_binary_name

pytestmark = pytest.mark.skipif(
    shutil.which("go") is None and not Path("/usr/local/go/bin/go").exists(),
    reason="no Go on this machine",
)

MAIN = """package main

import "fmt"

var greeting = "world"

func main() { fmt.Println("hello " + greeting) }
"""


@pytest.fixture
def hello(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GoProgram:
    recipes = tmp_path / "recipes"
    (recipes / "hello").mkdir(parents=True)
    (recipes / "hello" / "go.mod").write_text("module example.invalid/hello\n\ngo 1.24.0\n")
    (recipes / "hello" / "main.go").write_text(MAIN)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return GoProgram(
        name="hello",
        version="v0.1.0",
        binaries={"example.invalid/hello": "greet"},
        ldflags=("-X main.greeting=tests",),
        recipes=recipes,
    )


def test_a_program_is_built_under_its_name_and_found_again_at_once(hello: GoProgram) -> None:
    lines: list[str] = []
    entry = built_program(hello, lines.append)
    ran = subprocess.run([str(entry / "greet")], capture_output=True, text=True, check=True)
    assert ran.stdout == "hello tests\n"  # the ldflags were applied
    assert entry.name.startswith("hello-v0.1.0-")
    assert any("go: built hello v0.1.0" in line for line in lines), lines
    binary_stamp = (entry / "greet").stat().st_mtime_ns
    again: list[str] = []
    assert built_program(hello, again.append) == entry
    assert again == []  # no build: not even its first progress line
    assert (entry / "greet").stat().st_mtime_ns == binary_stamp


def test_a_changed_recipe_is_another_build(hello: GoProgram) -> None:
    first = built_program(hello, lambda _: None)
    (hello.recipe_dir / "go.mod").write_text("module example.invalid/hello\n\ngo 1.24\n")
    assert built_program(hello, lambda _: None) != first


def test_a_failed_build_names_the_program_and_what_go_said(hello: GoProgram) -> None:
    (hello.recipe_dir / "main.go").write_text("package main\n\nfunc main() { undefined() }\n")
    with pytest.raises(GoBuildError, match=r"go build of hello v0.1.0 failed .*undefined"):
        built_program(hello, lambda _: None)
    # Nothing half-built is left where a later run would take it for a build.
    cache = hello.recipes.parent / "cache"
    assert not cache.exists() or list(cache.iterdir()) == []


def test_binaries_are_named_as_go_names_them() -> None:
    assert go_binary_name("k8s.io/kubernetes/cmd/kubelet") == "kubelet"
    assert go_binary_name("go.etcd.io/etcd/server/v3") == "server"


def test_kubernetes_reports_its_version() -> None:
    stamped = " ".join(KUBERNETES.ldflags)
    assert "-X k8s.io/component-base/version.gitVersion=v1.34.4" in stamped
    assert "gitMinor=34" in stamped
