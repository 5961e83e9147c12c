"""A run stopped with SIGTERM (how CI runners stop a job) removes its cluster on the way out."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from homelab_acceptance.docker_engine import connect_docker
from homelab_acceptance.run_identity import LABEL

HOLDING_TEST = """
import sys


def test_hold(cluster):
    print("CLUSTER-UP", cluster.identity.run_id, flush=True)
    sys.stdin.read()
"""


def wait_for_line(process: subprocess.Popen[bytes], prefix: str, timeout_s: float) -> str:
    """The first output line starting with `prefix`. Reads the pipe unbuffered: a buffered
    readline after select() can hold the awaited line in its buffer while select() waits."""
    assert process.stdout is not None
    descriptor = process.stdout.fileno()
    pending = b""
    deadline = time.monotonic() + timeout_s
    while True:
        *complete, _partial = pending.split(b"\n")  # only whole lines count
        for line in complete:
            text = line.decode(errors="replace")
            if text.startswith(prefix):
                return text
        remaining = deadline - time.monotonic()
        ready, _, _ = select.select([descriptor], [], [], max(remaining, 0))
        if not ready:
            raise AssertionError(
                f"no line starting {prefix!r} within {timeout_s:.0f}s: {pending[-300:]!r}"
            )
        chunk = os.read(descriptor, 65536)
        if not chunk:
            raise AssertionError(f"the run ended before {prefix!r}: {pending[-300:]!r}")
        pending += chunk


def test_sigterm_during_a_run_removes_its_cluster(tmp_path: Path) -> None:
    (tmp_path / "test_hold.py").write_text(HOLDING_TEST)
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", str(tmp_path), "-s", "-p", "no:cacheprovider", "-q",
         "--cluster", "debian://"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path,
    )  # fmt: skip
    try:
        run_id = wait_for_line(run, "CLUSTER-UP", 240).split()[1]
        client = connect_docker()
        selector = {"label": f"{LABEL}={run_id}"}
        assert client.containers.list(all=True, filters=selector)
        run.send_signal(signal.SIGTERM)
        run.wait(timeout=120)
    finally:
        if run.poll() is None:  # the test failed half way: still take the cluster down
            run.send_signal(signal.SIGTERM)
            try:
                run.wait(timeout=120)
            except subprocess.TimeoutExpired:
                run.kill()
    assert run.returncode == 2  # pytest's "interrupted"
    assert client.containers.list(all=True, filters=selector) == []
    assert client.volumes.list(filters=selector) == []
    assert client.networks.list(filters=selector) == []
