from __future__ import annotations

import stat
from pathlib import Path

import pytest
import yaml

from homelab_acceptance.cluster.kubeconfig import point_at_host_port, write_private
from homelab_acceptance.errors import ClusterError

NODE_KUBECONFIG = """
apiVersion: v1
kind: Config
clusters:
- name: homelab
  cluster: {server: "https://127.0.0.1:6443", certificate-authority-data: Q0E=}
users:
- name: admin
  user: {client-certificate-data: Q0VSVA==, client-key-data: S0VZ}
contexts:
- name: homelab
  context: {cluster: homelab, user: admin}
current-context: homelab
"""


def test_server_points_at_the_published_port_on_loopback() -> None:
    config = yaml.safe_load(point_at_host_port(NODE_KUBECONFIG, 40123))
    assert config["clusters"][0]["cluster"]["server"] == "https://127.0.0.1:40123"
    assert config["users"][0]["user"]["client-key-data"] == "S0VZ"


def test_a_kubeconfig_without_clusters_is_a_clear_error() -> None:
    with pytest.raises(ClusterError, match="no clusters"):
        point_at_host_port("apiVersion: v1\nkind: Config\n", 40123)


def test_written_private_to_the_owner(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "kubeconfig"
    path.parent.mkdir()
    path.write_text("old")
    path.chmod(0o644)
    write_private(path, "new")
    assert path.read_text() == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
