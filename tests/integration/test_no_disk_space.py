"""No disk space for the build, end to end: a real run against a Docker engine whose data root
is a 48 MiB tmpfs. The node image build starts by importing the bookworm base (~170 MB), which
runs out of space: the run ends with one line saying where the space ran out and what frees
it, exit code 2, and leaves nothing behind (no image, container or volume in that engine, no
work dir, no mmdebstrap scratch dir)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from small_docker_engine import small_docker_engine, why_not_here

from homelab_acceptance.docker.disk_full import (
    disk_full_message,
    says_disk_full,
    without_terminal_colours,
)
from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.run_identity import workdirs_root

RUN_ID_CONFTEST = """
from homelab_acceptance.pytest_plugin.session_state import run_identity_key


def pytest_sessionstart(session):
    print("RUN-ID", session.config.stash[run_identity_key].run_id, flush=True)
"""

CLUSTER_TEST = """
def test_cluster(cluster):
    pass
"""

DISK_FULL_LINE = (
    "node image: importing the bookworm base image: no space left on device in Docker's data root "
)


def scratch_dirs() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("homelab-acceptance-rootfs-*")}


def test_no_disk_space_for_the_node_image_build(tmp_path: Path) -> None:
    reason = why_not_here()
    if reason:
        pytest.skip(f"no small Docker engine here: {reason}")
    (tmp_path / "conftest.py").write_text(RUN_ID_CONFTEST)
    (tmp_path / "test_cluster.py").write_text(CLUSTER_TEST)
    scratch_before = scratch_dirs()
    bridge = Path("/sys/class/net/docker0")  # the main engine's; its builds need it
    bridge_before = bridge.exists()
    with small_docker_engine(size_mib=48) as engine:
        run = subprocess.run(
            [sys.executable, "-m", "pytest", str(tmp_path), "-p", "no:cacheprovider", "-q",
             "--cluster", "debian://", "--report-dir", str(tmp_path / "reports")],
            cwd=tmp_path, env={**os.environ, "DOCKER_HOST": engine.docker_host},
            capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        output = run.stdout + run.stderr
        print(output[-1500:])
        assert run.returncode == 2, f"exit {run.returncode}, not 2 (could not run)"
        said = [line for line in output.splitlines() if line.startswith(DISK_FULL_LINE)]
        assert said, "no line saying the data root ran out of space"
        assert f"data root {engine.data_root} (a 48 MiB filesystem;" in said[0]
        assert "Traceback" not in output
        assert "APIError" not in output
        client = engine.client()
        left = (
            [i.tags or i.id for i in client.images.list(all=True)]
            + [c.name for c in client.containers.list(all=True)]
            + [v.name for v in client.volumes.list()]
        )
        assert left == [], f"left in the engine: {left}"
    assert bridge.exists() or not bridge_before, "the small engine took the host's docker0"
    run_id = next(line.split()[1] for line in output.splitlines() if line.startswith("RUN-ID"))
    assert not (workdirs_root() / run_id).exists(), "the run's work dir was left"
    assert scratch_dirs() <= scratch_before, "mmdebstrap's scratch dir was left"


def test_the_disk_full_line_names_the_engines_data_root() -> None:
    """The same line for a stack image build on the machine's own engine: its data root, the
    size of the filesystem under it, and what frees space."""
    client = connect_docker()
    root = client.info()["DockerRootDir"]
    line = disk_full_message(client, "image homelab-acceptance/sample-app:1")
    assert line.startswith(
        f"image homelab-acceptance/sample-app:1: no space left on device in Docker's data root "
        f"{root} (a "
    )
    assert "homelab-acceptance clean" in line


@pytest.mark.parametrize(
    ("output", "full"),
    [
        ("write /usr/lib/x86_64-linux-gnu/libpam.so.0: no space left on device", True),
        ("E: \x1b[91mYou don't have enough free space\x1b[0m; No Space Left On Device", True),
        ("E: Unable to locate package golang-go", False),
    ],
)
def test_a_full_disk_is_told_from_other_build_failures(output: str, full: bool) -> None:
    assert says_disk_full(without_terminal_colours(output)) is full
