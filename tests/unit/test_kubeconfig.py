from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
import yaml

from homelab_acceptance.cluster.kubeconfig import point_at_host_port, write_private
from homelab_acceptance.errors import ClusterError


def _pem(kind: str) -> str:
    body = f"-----BEGIN {kind}-----\nMIIB\n-----END {kind}-----\n"
    return base64.b64encode(body.encode()).decode()


CA, CERT, KEY = _pem("CERTIFICATE"), _pem("CERTIFICATE"), _pem("EC PRIVATE KEY")
NODE_KUBECONFIG = f"""
apiVersion: v1
kind: Config
clusters:
- name: homelab
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: {CA}
users:
- name: admin
  user:
    client-certificate-data: {CERT}
    client-key-data: {KEY}
contexts:
- name: homelab
  context: {{cluster: homelab, user: admin}}
current-context: homelab
"""


def test_server_points_at_the_published_port_on_loopback() -> None:
    config = yaml.safe_load(point_at_host_port(NODE_KUBECONFIG, 40123))
    assert config["clusters"][0]["cluster"]["server"] == "https://127.0.0.1:40123"
    assert config["users"][0]["user"]["client-key-data"] == KEY


def test_a_kubeconfig_without_clusters_is_a_clear_error() -> None:
    with pytest.raises(ClusterError, match="no clusters"):
        point_at_host_port("apiVersion: v1\nkind: Config\n", 40123)


@pytest.mark.parametrize("cut", [0, 30, 200, 330, -40])
def test_a_file_caught_half_written_is_refused(cut: int) -> None:
    """The node writes its kubeconfig while the host polls for it (a CI run once read it empty)."""
    with pytest.raises(ClusterError, match="kubeconfig"):
        point_at_host_port(NODE_KUBECONFIG[:cut], 40123)


def test_written_private_to_the_owner(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "kubeconfig"
    path.parent.mkdir()
    path.write_text("old")
    path.chmod(0o644)
    write_private(path, "new")
    assert path.read_text() == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
