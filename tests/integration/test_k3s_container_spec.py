"""The container the k3s:// provider asks Docker for, created (not started) on the real engine
from a FAKE stand-in for the rancher/k3s image (the real one cannot be had here): command,
loopback-only ports, state volume, tmpfs, and the files it puts in place."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from homelab_acceptance.cluster.k3s import AIRGAP_DIR, STATE_DIR, K3sCluster
from homelab_acceptance.cluster.node_container import NodeContainer
from homelab_acceptance.docker.engine import connect_docker

FAKE_K3S_IMAGE = "homelab-acceptance/fake-rancher-k3s:v0.0.0-fake"


@pytest.fixture(scope="module")
def fake_k3s_image(built_busybox_image: str) -> Iterator[str]:
    """A FAKE rancher/k3s: the busybox fixture image under another tag. It is only created
    from, never started."""
    client = connect_docker()
    client.images.get(built_busybox_image).tag(FAKE_K3S_IMAGE)
    yield FAKE_K3S_IMAGE
    client.images.remove(FAKE_K3S_IMAGE)


def read_from_container(container_name: str, path: str) -> bytes:
    stream, _ = connect_docker().api.get_archive(container_name, path)
    with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
        member = archive.getmembers()[0]
        extracted = archive.extractfile(member)
        assert extracted is not None
        return extracted.read()


def test_fake_k3s_image_container_spec_as_created(fake_k3s_image: str, tmp_path: Path) -> None:
    registries = tmp_path / "registries.yaml"
    registries.write_text("mirrors:\n  docker.io:\n    endpoint: [http://127.0.0.1:5000]\n")
    airgap = tmp_path / "images"
    airgap.mkdir()
    (airgap / "extra-images.tar").write_bytes(b"not really an image archive")
    (airgap / "README.txt").write_text("not an archive: not copied")
    cluster = K3sCluster(image=fake_k3s_image, airgap_images=airgap, registries=registries)
    cluster._image = fake_k3s_image  # what _prepare_image would have found
    published = {6443: 41443, **cluster._extra_published()}
    node = NodeContainer(connect_docker(), cluster._node_spec(published))
    client = node.client
    client.networks.create(node.network_name, labels=node.spec.labels)
    client.volumes.create(node.volume_name, labels=node.spec.labels)
    try:
        node.create(privileged=False)
        attrs = client.api.inspect_container(node.spec.name)
        assert attrs["Config"]["Cmd"] == [
            "server",
            f"--node-name={cluster.node_name}",
            "--tls-san=127.0.0.1",
            "--tls-san=localhost",
        ]
        bindings = attrs["HostConfig"]["PortBindings"]
        assert set(bindings) == {"6443/tcp", "80/tcp", "443/tcp"}
        assert {b["HostIp"] for values in bindings.values() for b in values} == {"127.0.0.1"}
        assert f"{node.volume_name}:{STATE_DIR}:rw" in attrs["HostConfig"]["Binds"]
        assert "/run" in attrs["HostConfig"]["Tmpfs"]
        assert attrs["Config"]["Labels"]["homelab-acceptance"] == cluster.identity.run_id
        assert (
            read_from_container(node.spec.name, "/etc/rancher/k3s/registries.yaml")
            == registries.read_bytes()
        )
        copied = read_from_container(node.spec.name, f"{AIRGAP_DIR}/extra-images.tar")
        assert copied == b"not really an image archive"
    finally:
        node.remove()
    assert client.containers.list(all=True, filters={"name": node.spec.name}) == []
