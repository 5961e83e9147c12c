"""Bad input and a bad environment, as a user meets them: a pytest run of the suites in a
process of its own. Each ends with the documented exit code (2: the harness could not run,
4: usage), says why in one line, shows no traceback, and leaves no labelled Docker object and
no work dir behind. (docs/bad-input.md lists these with the lines seen.)"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from python_without_tools import python_without_tools

from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.run_identity import OWNER_FILE, OWNER_LABEL, Owner, workdirs_root

ROOT = Path(__file__).parents[2]
SMOKE = ROOT / "suites" / "test_smoke.py"
IAC = ROOT / "suites" / "test_infrastructure_as_code.py"
COMPONENTS = ROOT / "fixtures" / "components"


@dataclass(frozen=True)
class Run:
    code: int
    output: str
    pid: int


def run_suites(
    tmp: Path,
    *args: str,
    env: dict[str, str] | None = None,
    suite: Path = SMOKE,
    tools_beside_python: bool = True,
) -> Run:
    python = sys.executable if tools_beside_python else python_without_tools(tmp / "no-tools")
    child = subprocess.Popen(
        [python, "-m", "pytest", str(suite), "-p", "no:cacheprovider", "-q",
         "--report-dir", str(tmp / "reports"), *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    output, _ = child.communicate(timeout=600)
    return Run(child.returncode, output, child.pid)


def left_behind(pid: int) -> list[str]:
    """Labelled Docker objects and work dirs whose owner was process `pid`."""
    client = connect_docker()
    found = [
        f"{kind} {item.name}"
        for kind, items in (
            ("container", client.containers.list(all=True, filters={"label": OWNER_LABEL})),
            ("volume", client.volumes.list(filters={"label": OWNER_LABEL})),
            ("network", client.networks.list(filters={"label": OWNER_LABEL})),
        )
        for item in items
        if _owner_pid(item.attrs.get("Labels") or item.attrs.get("Config", {}).get("Labels")) == pid
    ]
    for directory in workdirs_root().glob("*"):
        owner = Owner.parse(_read(directory / OWNER_FILE))
        if owner is not None and owner.pid == pid:
            found.append(f"work dir {directory}")
    return found


def _owner_pid(labels: dict[str, str] | None) -> int | None:
    owner = Owner.parse((labels or {}).get(OWNER_LABEL, ""))
    return owner.pid if owner else None


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def assert_one_line_and_nothing_left(run: Run, code: int, line: str) -> None:
    assert run.code == code, run.output
    assert line in run.output, run.output
    assert "\n" not in line
    assert "Traceback" not in run.output
    assert left_behind(run.pid) == []


def test_docker_not_running_is_exit_2(tmp_path: Path) -> None:
    dead = f"unix://{tmp_path}/no-engine.sock"
    run = run_suites(tmp_path, "--cluster", "debian://", env={"DOCKER_HOST": dead})
    assert_one_line_and_nothing_left(
        run, 2, f"Docker engine not reachable at {dead} (No such file or directory): start dockerd"
    )


def test_a_taken_api_port_is_exit_2(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        run = run_suites(tmp_path, "--cluster", f"debian://?api_port={port}")
    assert_one_line_and_nothing_left(run, 2, f"{port}")
    assert "taken" in run.output or "in use" in run.output, run.output


def test_an_unreachable_kubeconfig_is_exit_2(tmp_path: Path) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: gone\n"
        f"clusters: [{{name: gone, cluster: {{server: 'https://127.0.0.1:{port}'}}}}]\n"
        "users: [{name: gone, user: {token: not-a-real-token}}]\n"
        "contexts: [{name: gone, context: {cluster: gone, user: gone}}]\n"
    )
    run = run_suites(tmp_path, "--cluster", f"kubeconfig://{kubeconfig}")
    assert_one_line_and_nothing_left(run, 2, f"127.0.0.1:{port}")


def test_a_provisioners_missing_tool_is_exit_2(tmp_path: Path) -> None:
    stack = tmp_path / "stack.yaml"
    (tmp_path / "module").symlink_to(COMPONENTS / "opentofu-web")
    stack.write_text(
        "apiVersion: homelab-acceptance/v1\nkind: Stack\n"
        f"allow_outside: [{COMPONENTS}]\n"
        "components:\n  - {name: web, provisioner: opentofu, source: module, namespace: web}\n"
    )
    run = run_suites(
        tmp_path, f"--stack={stack}", "--cluster", "debian://", "-k", "reapplying",
        env={"PATH": "/usr/bin:/bin"}, suite=IAC, tools_beside_python=False,
    )  # fmt: skip
    assert_one_line_and_nothing_left(
        run, 2, "component web (opentofu): no 'tofu' or 'terraform' on PATH or in"
    )


BOMB = "".join(
    f"l{n}: &l{n} [{', '.join([f'*l{n - 1}' if n else 'lol'] * 9)}]\n" for n in range(10)
)


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (BOMB.encode(), "stack.yaml:1: not accepted: its aliases expand to"),
        (b"a: &a [*a]\n", "stack.yaml:1: not accepted: an alias refers to the collection"),
        (b"kind: St\xe4ck\n", "stack.yaml:1: not UTF-8 (byte 0xe4 at offset 8)"),
        (b"kind: \x00\n", "stack.yaml:1: not valid YAML (character #x0000 is not allowed"),
        (b"# x\n" * 300_000, "stack.yaml:1: larger than 1024 KiB, so not a stack spec"),
        (
            b"apiVersion: homelab-acceptance/v1\nkind: Stack\ncomponents:\n"
            b"  - {name: x, provisioner: manifests, source: ../../../../etc}\n",
            "stack.yaml:4: components[0].source: ",
        ),
    ],
    ids=["billion-laughs", "alias-cycle", "latin-1", "nul-byte", "1.2-MB", "path-traversal"],
)
def test_a_hostile_stack_is_exit_4_before_anything_starts(
    tmp_path: Path, content: bytes, line: str
) -> None:
    stack = tmp_path / "stack.yaml"
    stack.write_bytes(content)
    run = run_suites(tmp_path, f"--stack={stack}")
    assert_one_line_and_nothing_left(run, 4, line)
    assert "cluster:" not in run.output  # nothing was started
