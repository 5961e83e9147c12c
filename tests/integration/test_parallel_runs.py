"""Runs at once on one machine (two terminals, a CI matrix) do not collide: each brings up its
own debian:// cluster under its own names and host ports, and all pass. Three start together
here: that reproduced both collisions found (a reaper tripping on another run's vanished probe
container, "No such container"; every run choosing the same NodePort block above 40000)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.run_identity import LABEL

RUNS = 3

#: What each run reports of its cluster, for the test to compare across runs.
CLUSTER_FACTS_TEST = """
import json
from pathlib import Path


def test_cluster_facts(cluster):
    facts = dict(cluster.describe())
    facts["run_id"] = cluster.identity.run_id
    facts["node_ports_from"] = cluster.node_port_address(30000)[1]
    Path("facts.json").write_text(json.dumps(facts))
"""


def start_run(directory: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "pytest", str(directory), "-p", "no:cacheprovider", "-q"]
    return subprocess.Popen(
        [*command, "--cluster", "debian://"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=directory,
    )


def test_three_runs_at_once_each_get_their_own_cluster_and_pass(tmp_path: Path) -> None:
    directories = [tmp_path / f"run{n}" for n in range(RUNS)]
    runs = []
    for directory in directories:
        directory.mkdir()
        (directory / "test_facts.py").write_text(CLUSTER_FACTS_TEST)
        runs.append(start_run(directory))
    outputs = [run.communicate(timeout=600)[0].decode(errors="replace") for run in runs]
    for run, output in zip(runs, outputs, strict=True):
        assert run.returncode == 0, output[-600:]
    facts = [json.loads((d / "facts.json").read_text()) for d in directories]
    for field in ("run_id", "node_container", "api", "node_ports_from"):
        seen = [str(f[field]) for f in facts]
        assert len(set(seen)) == RUNS, f"{field} shared between runs: {seen}"
    client = connect_docker()
    for fact in facts:
        selector = {"label": f"{LABEL}={fact['run_id']}"}
        assert client.containers.list(all=True, filters=selector) == []
