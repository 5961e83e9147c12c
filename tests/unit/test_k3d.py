"""k3d:// where k3d cannot run (no binary, no rancher/k3s image): the config is checked with
file/line/field errors, the commands are what k3d expects, a missing binary is one line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from homelab_acceptance.cluster.k3d import K3dCluster
from homelab_acceptance.cluster.k3d_config import load_k3d_config
from homelab_acceptance.errors import ClusterError, ConfigurationError
from homelab_acceptance.run_identity import workdirs_root

REPO_CONFIG = Path(__file__).parents[2] / "k3d-config.yaml"
GOOD = REPO_CONFIG.read_text()


def test_the_repositorys_config_is_valid() -> None:
    config = load_k3d_config(REPO_CONFIG)
    assert config.image.startswith("rancher/k3s:v")
    assert all(port.startswith("127.0.0.1:") for port in config.ports)


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (
            ("apiVersion: k3d.io/v1alpha5", "apiVersion: k3d.io/v1alpha4"),
            ":3: apiVersion: expected k3d.io/v1alpha5",
        ),
        (("servers: 1", "servers: 3"), ":7: servers: expected 1"),
        (("agents: 0", "agents: two"), ":8: agents: expected a whole number, got 'two'"),
        (
            ("image: rancher/k3s:v1.34.4-k3s1", "image: rancher/k3s:latest"),
            ":9: image: pin an exact tag",
        ),
        (("hostIP: 127.0.0.1", "hostIP: 0.0.0.0"), ":12: kubeAPI.hostIP: must be 127.0.0.1"),
        (
            ("port: 127.0.0.1:8080:80", "port: 8080:80"),
            ":15: ports[0].port: '8080:80' would listen beyond loopback",
        ),
        (("kind: Simple", "kind: [Simple"), "not valid YAML"),
    ],
)
def test_a_malformed_config_names_file_line_and_field(
    tmp_path: Path, change: tuple[str, str], complaint: str
) -> None:
    assert change[0] in GOOD
    path = tmp_path / "k3d-config.yaml"
    path.write_text(GOOD.replace(change[0], change[1]))
    with pytest.raises(ConfigurationError) as raised:
        load_k3d_config(path)
    assert str(raised.value).startswith(str(path))
    assert complaint in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_missing_field_is_named(tmp_path: Path) -> None:
    path = tmp_path / "k3d.yaml"
    path.write_text("apiVersion: k3d.io/v1alpha5\nkind: Simple\n")
    with pytest.raises(ConfigurationError, match=r"k3d.yaml:1: image: missing"):
        load_k3d_config(path)


def test_the_create_command_names_the_run_and_keeps_everything_on_loopback() -> None:
    cluster = K3dCluster(config=REPO_CONFIG, progress=lambda _: None)
    command = cluster.create_command("/usr/bin/k3d", 41234)
    assert command[:4] == ["/usr/bin/k3d", "cluster", "create", f"hla-{cluster.identity.run_id}"]
    assert command[command.index("--api-port") :][:2] == ["--api-port", "127.0.0.1:41234"]
    assert "--kubeconfig-update-default=false" in command
    assert f"homelab-acceptance={cluster.identity.run_id}@server:0" in command


@pytest.mark.skipif(shutil.which("k3d") is not None, reason="k3d is installed here")
def test_without_the_k3d_binary_up_is_one_line_and_leaves_nothing() -> None:
    cluster = K3dCluster(config=REPO_CONFIG, progress=lambda _: None)
    with pytest.raises(ClusterError) as raised, cluster:
        pass
    message = str(raised.value)
    assert message.startswith("k3d:// needs the k3d binary on PATH")
    assert "--cluster debian://" in message
    assert not (workdirs_root() / cluster.identity.run_id).exists()


def test_a_bad_config_is_reported_before_looking_for_k3d(tmp_path: Path) -> None:
    path = tmp_path / "k3d.yaml"
    path.write_text(GOOD.replace("servers: 1", "servers: 2"))
    with pytest.raises(ConfigurationError, match="servers: expected 1"):
        K3dCluster(config=path, progress=lambda _: None).up()


def test_traefik_is_reached_where_the_config_publishes_port_80(tmp_path: Path) -> None:
    cluster = K3dCluster(config=REPO_CONFIG)
    assert cluster.ingress_address() == ("127.0.0.1", 8080)
    assert cluster.ingress_address(https=True) == ("127.0.0.1", 8443)
    without = tmp_path / "k3d.yaml"
    text = REPO_CONFIG.read_text()
    without.write_text(text.replace("127.0.0.1:8080:80", "127.0.0.1:8080:8000"))
    assert K3dCluster(config=without).ingress_address() is None
