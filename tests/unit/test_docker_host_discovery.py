"""The Docker engine is found as testcontainers finds it: `tc.host` in the user's
~/.testcontainers.properties first, then DOCKER_HOST. Shown with engines that do not exist:
the one line names the socket that was tried."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import docker
import pytest

CLEAN = [sys.executable, "-m", "homelab_acceptance.cli", "clean"]


def run_clean(home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
    return subprocess.run(
        CLEAN, env={**environment, "HOME": str(home), **env},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_the_testcontainers_properties_name_the_engine(tmp_path: Path) -> None:
    socket = tmp_path / "tc-engine.sock"
    (tmp_path / ".testcontainers.properties").write_text(f"tc.host=unix://{socket}\n")
    run = run_clean(tmp_path)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1, run.stderr
    assert f"Docker engine not reachable at unix://{socket}" in run.stderr


def test_docker_host_is_used_without_a_testcontainers_setting(tmp_path: Path) -> None:
    socket = tmp_path / "env-engine.sock"
    run = run_clean(tmp_path, DOCKER_HOST=f"unix://{socket}")
    assert run.returncode == 2
    assert f"Docker engine not reachable at unix://{socket}" in run.stderr


def test_the_node_container_cannot_be_made_through_docker_pys_container_api() -> None:
    """Why the node container is created with the low-level API, not testcontainers'
    DockerContainer (docker-py's containers.create): the capabilities mode, used where
    --privileged is refused, needs `systempaths=unconfined` (empty MaskedPaths and
    ReadonlyPaths), which that API cannot express. It refuses before reaching any engine."""
    client = docker.DockerClient(base_url="unix:///nonexistent/docker.sock", version="1.41")
    with pytest.raises(TypeError, match="masked_paths"):
        client.containers.create("homelab-acceptance/node", masked_paths=[])
