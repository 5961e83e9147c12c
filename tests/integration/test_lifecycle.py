"""Clusters of their own (not the session's): teardown leaves nothing, a killed run's
resources are reaped by the next run, and a taken port is one clear error with nothing left."""

from __future__ import annotations

import os
import re
import select
import signal
import socket
import subprocess
import sys

import docker
import pytest

from homelab_acceptance.cluster.debian import DebianCluster
from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.errors import PortTakenError
from homelab_acceptance.reaper import reap
from homelab_acceptance.run_identity import LABEL, RunIdentity, workdirs_root


def labelled_resources(client: docker.DockerClient, run_id: str) -> list[str]:
    selector = {"label": f"{LABEL}={run_id}"}
    return (
        [f"container {c.name}" for c in client.containers.list(all=True, filters=selector)]
        + [f"volume {v.name}" for v in client.volumes.list(filters=selector)]
        + [f"network {n.name}" for n in client.networks.list(filters=selector)]
    )


def quiet(_: str) -> None:
    pass


def test_a_cluster_says_what_it_does_as_it_goes_and_down_leaves_nothing(
    built_busybox_image: str,
) -> None:
    client = connect_docker()
    said: list[str] = []
    cluster = DebianCluster(progress=said.append)
    try:
        cluster.up()
        kubeconfig = cluster.kubeconfig_path
        assert labelled_resources(client, cluster.identity.run_id)
        # The line before the silent start (the node image's lines, if built, come first).
        starting = (
            f"cluster: starting node container {cluster.name} from "
            f"{cluster.describe()['node_image']}, then waiting for its API server and node "
            f"{cluster.node_name} Ready"
        )
        assert starting in said
        assert said[-1].startswith(f"cluster: debian:// node {cluster.node_name} Ready")
        said.clear()
        cluster.import_images([built_busybox_image])
        image = re.escape(built_busybox_image)
        assert re.fullmatch(rf"cluster: importing {image} \(\d+ MiB\) …", said[0]), said
        assert re.fullmatch(rf"cluster: imported {image} in \d+s", said[-1]), said
    finally:
        cluster.down()
    assert labelled_resources(client, cluster.identity.run_id) == []
    assert not kubeconfig.exists()


CHILD = """
import sys
from homelab_acceptance.cluster.debian import DebianCluster
cluster = DebianCluster(progress=lambda _: None)
cluster.up()
print(cluster.identity.run_id, flush=True)
sys.stdin.read()  # hold the cluster until killed
"""


def read_line_within(process: subprocess.Popen[str], timeout_s: float) -> str:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout_s)
    if not ready:
        raise AssertionError(f"the child printed nothing within {timeout_s:.0f}s")
    return process.stdout.readline().strip()


def test_a_run_killed_with_sigkill_is_reaped_by_the_next(cluster: DebianCluster) -> None:
    client = connect_docker()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        run_id = read_line_within(child, 240)
        assert labelled_resources(client, run_id), "the child's cluster should exist"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()

    reaped = reap(client)

    assert f"homelab-acceptance-{run_id}" in reaped.containers
    assert labelled_resources(client, run_id) == []
    assert not (workdirs_root() / run_id).exists(), "its kubeconfig directory is reaped too"
    # The session's own cluster belongs to a live process: the reaper left it alone.
    assert labelled_resources(client, cluster.identity.run_id)


def test_a_taken_api_port_is_one_clear_error_and_leaves_nothing() -> None:
    client = connect_docker()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        cluster = DebianCluster(RunIdentity.new(), api_port=port, progress=quiet)
        with pytest.raises(PortTakenError) as raised, cluster:
            pass
    message = str(raised.value)
    assert str(port) in message or "taken" in message
    assert "\n" not in message
    assert labelled_resources(client, cluster.identity.run_id) == []
