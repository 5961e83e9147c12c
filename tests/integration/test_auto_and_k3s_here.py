"""What `auto` and `k3s://` do on a machine without the rancher/k3s image and without a
registry (as here): say so in one line, quickly, and leave nothing behind."""

from __future__ import annotations

import time

import pytest

from homelab_acceptance.cluster import open_cluster
from homelab_acceptance.cluster.k3s import DEFAULT_IMAGE, image_unavailable_reason
from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.errors import ClusterError
from homelab_acceptance.run_identity import LABEL

pytestmark = pytest.mark.skipif(
    image_unavailable_reason(connect_docker(), DEFAULT_IMAGE, pull_timeout_s=5) is None,
    reason=f"{DEFAULT_IMAGE} is available here: these tests are for machines without it",
)


def test_auto_chooses_debian_and_says_why() -> None:
    said: list[str] = []
    cluster = open_cluster("auto", progress=said.append)
    assert cluster.provider == "debian"
    assert said == [
        f"cluster: auto chose debian:// ({DEFAULT_IMAGE} is " + said[0].split(" is ", 1)[1]
    ]
    assert "not present" in said[0]


def test_k3s_without_its_image_fails_fast_with_one_line_and_leaves_nothing() -> None:
    cluster = open_cluster("k3s://", progress=lambda _: None)
    started = time.monotonic()
    with pytest.raises(ClusterError) as raised, cluster:
        pass
    elapsed = time.monotonic() - started
    message = str(raised.value)
    assert message.startswith(f"k3s:// needs {DEFAULT_IMAGE}, which is not present")
    assert (
        "`docker load` it, point Docker at a registry mirror, or use --cluster debian://" in message
    )
    assert "\n" not in message
    # A hang guard, not a benchmark: a pull that cannot succeed must not hold the run.
    assert elapsed < 30, f"took {elapsed:.1f}s"
    client = connect_docker()
    assert (
        client.containers.list(all=True, filters={"label": f"{LABEL}={cluster.identity.run_id}"})
        == []
    )
