from __future__ import annotations

from pathlib import Path

import pytest

from homelab_acceptance.cluster import open_cluster, parse_spec
from homelab_acceptance.cluster.debian import DebianCluster
from homelab_acceptance.cluster.k3s import DEFAULT_IMAGE, K3sCluster
from homelab_acceptance.errors import ConfigurationError


def quiet(_: str) -> None:
    pass


def test_debian_options_are_parsed() -> None:
    cluster = open_cluster("debian://?api_port=16443&nodeports=30000-30019", progress=quiet)
    assert isinstance(cluster, DebianCluster)
    assert cluster.requested_api_port == 16443
    assert cluster.node_ports == (30000, 20)


def test_k3s_defaults_to_the_pinned_image(tmp_path: Path) -> None:
    cluster = open_cluster("k3s://", progress=quiet)
    assert isinstance(cluster, K3sCluster)
    assert cluster.image == DEFAULT_IMAGE
    assert not DEFAULT_IMAGE.endswith(":latest")


def test_k3s_options_name_existing_paths(tmp_path: Path) -> None:
    registries = tmp_path / "registries.yaml"
    registries.write_text("mirrors: {}\n")
    cluster = open_cluster(
        f"k3s://?airgap_images={tmp_path}&registries={registries}", progress=quiet
    )
    assert isinstance(cluster, K3sCluster)
    assert (cluster.airgap_images, cluster.registries) == (tmp_path, registries)


def test_targets_are_kept_as_paths() -> None:
    assert parse_spec("kubeconfig://~/.kube/config?context=homelab").target == "~/.kube/config"
    assert parse_spec("k3d://k3d-config.yaml").target == "k3d-config.yaml"


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        ("bogus://x", "unknown provider"),
        ("debian", "unknown provider"),
        ("debian://?colour=blue", "does not know the option(s) colour"),
        ("debian://somewhere", "takes no path"),
        ("debian://?api_port=80", "api_port='80'"),
        ("debian://?api_port=1&api_port=2", "more than once"),
        ("debian://?nodeports=1-2", "nodeports='1-2'"),
        ("debian://?nodeports=30010-30000", "nodeports='30010-30000'"),
        ("k3s://?image=rancher/k3s:latest", "does not maintain :latest"),
        ("k3s://?image=rancher/k3s", "give an exact tag"),
        ("k3s://?airgap_images=/no/such/dir", "airgap_images='/no/such/dir': no such directory"),
        ("k3s://?registries=/no/such.yaml", "registries='/no/such.yaml': no such file"),
        ("kubeconfig://", "needs a file after ://"),
        ("kubeconfig://x?colour=1", "known: context, restart"),
    ],
)
def test_bad_specs_get_one_line_naming_the_fault(spec: str, complaint: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        open_cluster(spec, progress=quiet)
    assert complaint in str(raised.value)
    assert "\n" not in str(raised.value)


def test_constructing_a_cluster_does_no_io() -> None:
    # No Docker I/O in constructors: this must work with no engine reachable at all.
    for cluster in (DebianCluster(progress=quiet), K3sCluster(progress=quiet)):
        cluster.down()  # nothing was created, so nothing to remove
