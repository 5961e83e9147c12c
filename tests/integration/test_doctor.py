"""`homelab-acceptance doctor` run for real on this machine: its findings, a `:latest` image in
a stack, a missing tool, an unreachable engine; quick, and nothing left behind."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import docker
import pytest
from python_without_tools import python_without_tools

REPOSITORY = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^(ok  |warn|fail)  [^:]+: .+$")
#: The system's PATH without the virtualenv's bin (where helm lives).
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
FAMILIES = (
    "docker", "cgroup mounts", "/dev/kmsg", "inotify limits", "privileged", "node image",
    "disk under Docker", "NodePorts", "image tags", "tool helm",
)  # fmt: skip
LATEST_STACK = """\
apiVersion: homelab-acceptance/v1
kind: Stack
components:
  - name: pinned
    provisioner: manifests
    source: web
    images:
      - name: homelab-acceptance/pinned:1.0.0
  - name: floating-web
    provisioner: manifests
    source: web
    images:
      - name: nginx:latest
"""


def doctor(
    *args: str, python: str = sys.executable, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    result = subprocess.run(
        [python, "-m", "homelab_acceptance.cli", "doctor", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPOSITORY,
        env={**os.environ, **(env or {})},
        timeout=60,
    )
    print(result.stdout, result.stderr, sep="\n")
    return result, time.monotonic() - started


def lines_of(result: subprocess.CompletedProcess[str]) -> list[str]:
    lines = result.stdout.splitlines()
    assert lines, result.stderr
    assert all(LINE.match(line) for line in lines), result.stdout
    return lines


def doctor_probes() -> list[str]:
    client = docker.from_env()
    return [c.name for c in client.containers.list(all=True, filters={"name": "-doctor-"})]


def test_this_machine_passes_the_preflight_in_seconds() -> None:
    result, elapsed = doctor()
    lines = lines_of(result)
    assert result.returncode == 0, result.stdout
    assert not [line for line in lines if line.startswith("fail")]
    # Every family answered: the engine, the host, the node, the stack and its tools.
    for what in FAMILIES:
        assert any(line[6:].startswith(what) for line in lines), what
    assert elapsed < 10, f"doctor took {elapsed:.1f}s"
    assert doctor_probes() == []


def test_a_latest_image_fails_in_one_line_naming_file_and_component(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    stack = tmp_path / "stack.yaml"
    stack.write_text(LATEST_STACK)
    result, _ = doctor("--stack", str(stack))
    failed = [line for line in lines_of(result) if line.startswith("fail")]
    assert result.returncode == 2
    assert failed == [
        f"fail  image tag: {stack}:13: component floating-web uses 'nginx:latest' (:latest) — "
        "pin an exact tag (name:1.2.3) or digest: a :latest image is pulled at every start and "
        "changes under the run"
    ]


def test_a_missing_helm_is_named_with_setup_as_the_fix(tmp_path: Path) -> None:
    """A Python environment like .venv but elsewhere, so that helm is neither on PATH nor
    beside the running Python (where the harness also looks)."""
    assert shutil.which("helm", path=SYSTEM_PATH) is None, "helm is on the system PATH here"
    result, _ = doctor(
        "--stack", "stack/stack.yaml", python=python_without_tools(tmp_path),
        env={"PATH": SYSTEM_PATH},
    )  # fmt: skip
    helm = [line for line in lines_of(result) if line.startswith("fail  tool helm:")]
    assert result.returncode == 2
    assert len(helm) == 1, result.stdout
    assert "prometheus (helm)" in helm[0]
    assert helm[0].endswith(
        "— homelab-acceptance tools install puts helm and kubectl beside this Python"
    )


def test_an_unreachable_engine_fails_and_the_rest_is_still_checked(tmp_path: Path) -> None:
    result, _ = doctor(env={"DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"})
    lines = lines_of(result)
    assert result.returncode == 2
    assert [line[:12] for line in lines if line.startswith("fail")] == ["fail  docker"]
    assert any(line[6:].startswith("tool helm") for line in lines)


@pytest.mark.parametrize("spec", ["nonsense://", "debian://?api_port=80"])
def test_a_bad_cluster_spec_is_one_line_and_exit_2(spec: str) -> None:
    result, _ = doctor("--cluster", spec)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
