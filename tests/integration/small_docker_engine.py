"""A second, throwaway Docker engine whose data root is a small tmpfs: a full disk for a build,
made without filling the machine's own disk (which other runs share). It runs in a network
namespace of its own (`unshare --net`) with no bridge and no iptables rules: a dockerd started
with `--bridge=none` in the host's namespace deletes the host's docker0, which the main
engine's builds then cannot find ("could not find bridge docker0")."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import docker
from docker.errors import DockerException

from homelab_acceptance.waiting import Observation, wait_for


@dataclass(frozen=True)
class SmallEngine:
    docker_host: str
    data_root: Path

    def client(self) -> docker.DockerClient:
        return docker.DockerClient(base_url=self.docker_host)


def why_not_here() -> str | None:
    """Why a second engine cannot be started on this machine, or None."""
    if os.geteuid() != 0:
        return "a second Docker engine and a tmpfs mount need root"
    for tool in ("dockerd", "unshare"):
        if shutil.which(tool) is None:
            return f"no {tool} on PATH"
    return None


@contextmanager
def small_docker_engine(size_mib: int) -> Iterator[SmallEngine]:
    """A Docker engine on a `size_mib` tmpfs, up and answering; stopped and unmounted after."""
    home = Path(tempfile.mkdtemp(prefix="homelab-acceptance-small-engine-"))
    data_root = home / "data"
    data_root.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mib}m", "tmpfs", str(data_root)], check=True
    )
    engine = SmallEngine(f"unix://{home}/docker.sock", data_root)
    log = (home / "dockerd.log").open("wb")
    process = subprocess.Popen(
        ["unshare", "--net", "dockerd", "--data-root", str(data_root),
         "--exec-root", str(home / "exec"), "--pidfile", str(home / "docker.pid"),
         "-H", engine.docker_host,
         "--bridge=none", "--iptables=false", "--ip6tables=false",
         "--cgroup-parent", f"/{home.name}"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(
            lambda: _answers(engine, process, home),
            awaiting=f"the small Docker engine at {engine.docker_host}",
            timeout_s=60,
        )
        yield engine
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        subprocess.run(["umount", str(data_root)], check=False)
        shutil.rmtree(home, ignore_errors=True)


def _answers(engine: SmallEngine, process: subprocess.Popen[bytes], home: Path) -> Observation:
    if process.poll() is not None:
        tail = (home / "dockerd.log").read_text(errors="replace").splitlines()[-3:]
        raise RuntimeError(f"dockerd exited {process.returncode}: {' | '.join(tail)}")
    try:
        engine.client().ping()
    except DockerException as error:
        return Observation(False, f"not answering: {type(error).__name__}")
    return Observation(True, "answering")
