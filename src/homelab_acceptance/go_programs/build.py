"""Building a GoProgram with the machine's Go, cached by a content key.

The key covers everything the binaries are made from: the recipe's go.mod and go.sum, the
packages and their file names, the ldflags and environment, and the Go that builds them. A
build goes to a temporary folder beside the cache entry and is renamed into place whole, so
an interrupted build leaves no entry that looks complete. go.sum is committed: the build
runs with -mod=readonly, so a module that is not the one recorded fails, never drifts."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from homelab_acceptance.errors import GoBuildError
from homelab_acceptance.go_programs.recipe import GoProgram

#: Where built programs are kept (override: HOMELAB_ACCEPTANCE_GO_CACHE).
CACHE_ENV = "HOMELAB_ACCEPTANCE_GO_CACHE"
#: A cold build says how far it is this often.
PROGRESS_EVERY_S = 15.0
#: The lines of go's output a failure shows.
FAILURE_TAIL = 12


def cache_root() -> Path:
    given = os.environ.get(CACHE_ENV)
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "homelab-acceptance" / "go-programs"


def go_command() -> str:
    found = shutil.which("go") or (
        "/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").exists() else None
    )
    if found is None:
        raise GoBuildError(
            "no `go` on PATH (nor /usr/local/go/bin/go): install Go 1.24 or newer to build "
            "the Go programs the node image needs"
        )
    return found


def go_version(go: str, env: dict[str, str]) -> str:
    ran = subprocess.run(
        [go, "env", "GOVERSION", "GOOS", "GOARCH"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if ran.returncode != 0:
        raise GoBuildError(f"`go env` failed: {ran.stderr.strip()[:300]}")
    return " ".join(ran.stdout.split())


def content_key(program: GoProgram, go_identity: str) -> str:
    digest = hashlib.sha256(go_identity.encode() + b"\0")
    for name in ("go.mod", "go.sum"):
        path = program.recipe_dir / name
        # A module with no dependencies has no go.sum.
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.exists() else b"") + b"\0")
    recipe: dict[str, object] = {
        "binaries": program.binaries,
        "ldflags": program.ldflags,
        "env": program.env,
    }
    # Only when given: the programs without tags keep the keys their builds are cached under.
    if program.tags:
        recipe["tags"] = program.tags
    digest.update(json.dumps(recipe, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def cache_entry(program: GoProgram) -> Path:
    """Where the program's binaries are (or will be) kept for this recipe and this Go."""
    go = go_command()
    key = content_key(program, go_version(go, _build_env(program)))
    return cache_root() / f"{program.name}-{program.version}-{key}"


def is_built(program: GoProgram, entry: Path) -> bool:
    return all((entry / name).is_file() for name in program.binaries.values())


def built_program(program: GoProgram, progress: Callable[[str], None] = print) -> Path:
    """The folder holding the program's binaries, built first if no cache entry matches."""
    go = go_command()
    env = _build_env(program)
    entry = cache_entry(program)
    if is_built(program, entry):
        return entry
    entry.parent.mkdir(parents=True, exist_ok=True)
    progress(
        f"go: building {program.name} {program.version} from its module "
        f"({', '.join(program.binaries.values())}); the first build takes minutes"
    )
    started = time.monotonic()
    staging = Path(tempfile.mkdtemp(prefix=f".{program.name}-", dir=entry.parent))
    try:
        _go_build(go, program, env, staging, progress)
        for package, name in program.binaries.items():
            built = staging / go_binary_name(package)
            if built != staging / name:
                built.rename(staging / name)
        shutil.rmtree(entry, ignore_errors=True)
        staging.rename(entry)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    progress(f"go: built {program.name} {program.version} in {time.monotonic() - started:.0f}s")
    return entry


def go_binary_name(package: str) -> str:
    """The file `go build -o DIR/` writes a main package to: its last path element, or the one
    before a major-version suffix (go.etcd.io/etcd/server/v3 → server)."""
    parts = package.rstrip("/").split("/")
    if len(parts) > 1 and re.fullmatch(r"v[0-9]+", parts[-1]):
        return parts[-2]
    return parts[-1]


def _build_env(program: GoProgram) -> dict[str, str]:
    env = dict(os.environ)
    # The machine's own Go, unless the recipe names another (GOTOOLCHAIN=go1.27.3, fetched
    # from the module proxy): a toolchain line in a module must not pick one silently.
    env.setdefault("GOTOOLCHAIN", "local")
    # The machine's GOFLAGS are kept (e.g. -buildvcs=false), but the module mode is ours: a
    # build may only use the modules go.sum records.
    kept = [flag for flag in env.get("GOFLAGS", "").split() if not flag.startswith("-mod=")]
    env["GOFLAGS"] = " ".join([*kept, "-mod=readonly"])
    env.update(program.env)
    return env


def _go_build(
    go: str, program: GoProgram, env: dict[str, str], out: Path, progress: Callable[[str], None]
) -> None:
    command = [
        go, "build", "-v", "-trimpath", "-o", f"{out}/",
        "-ldflags", " ".join(program.ldflags),
        *(["-tags", ",".join(program.tags)] if program.tags else []), *program.binaries,
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=program.recipe_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    counts = {"downloaded": 0, "built": 0}
    done = threading.Event()

    def tell() -> None:
        started = time.monotonic()
        while not done.wait(PROGRESS_EVERY_S):
            last = lines[-1] if lines else "nothing yet"
            progress(
                f"go: building {program.name}: {time.monotonic() - started:.0f}s, "
                f"{counts['downloaded']} module(s) downloaded, {counts['built']} package(s) "
                f"built; last: {last[:120]}"
            )

    teller = threading.Thread(target=tell, daemon=True)
    teller.start()
    try:
        for raw in process.stdout:
            line = raw.rstrip()
            lines.append(line)
            del lines[:-FAILURE_TAIL]
            if line.startswith("go: downloading "):
                counts["downloaded"] += 1
            elif not line.startswith("go: "):
                counts["built"] += 1
        code = process.wait()
    except BaseException:
        process.kill()
        process.wait()
        raise
    finally:
        done.set()
        teller.join()
    if code != 0:
        tail = " | ".join(line for line in lines if not line.startswith("go: downloading"))
        raise GoBuildError(
            f"go build of {program.name} {program.version} failed (exit {code}) in "
            f"{program.recipe_dir}: {tail[-600:]}"
        )
