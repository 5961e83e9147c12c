"""kubeconfig:// against a real cluster it did not create: the session's debian:// node,
reached through its kubeconfig as a user reaches their homelab."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from homelab_acceptance.cluster.container_cluster import ContainerCluster
from homelab_acceptance.cluster.existing import ExistingCluster
from homelab_acceptance.cluster.host_ports import free_port
from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.errors import ClusterError, ConfigurationError


def quiet(_: str) -> None:
    pass


def test_up_reads_the_cluster_and_down_leaves_it_running(cluster: ContainerCluster) -> None:
    existing = ExistingCluster(kubeconfig=cluster.kubeconfig_path, progress=quiet)
    existing.up()
    try:
        assert existing.kubernetes_version == cluster.kubernetes_version
        assert existing.node_name == cluster.node_name
        assert existing.kubeconfig_path != cluster.kubeconfig_path
        assert existing.kubeconfig_path.stat().st_mode & 0o777 == 0o600
    finally:
        existing.down()
    assert not existing.kubeconfig_path.exists()
    assert connect_docker().containers.get(cluster.name).status == "running"
    assert cluster.kubeconfig_path.exists()


def test_an_unknown_context_is_one_line_naming_the_known_ones(cluster: ContainerCluster) -> None:
    existing = ExistingCluster(kubeconfig=cluster.kubeconfig_path, context="prod", progress=quiet)
    with pytest.raises(ConfigurationError, match=r"context 'prod' not found \(contexts: homelab\)"):
        existing.up()


def test_a_missing_kubeconfig_is_one_line(tmp_path: Path) -> None:
    existing = ExistingCluster(kubeconfig=tmp_path / "nope", progress=quiet)
    with pytest.raises(ConfigurationError, match="no such file"):
        existing.up()


def test_an_unreachable_cluster_is_one_line_naming_the_server(
    cluster: ContainerCluster, tmp_path: Path
) -> None:
    config = yaml.safe_load(cluster.kubeconfig_path.read_text())
    dead = f"https://127.0.0.1:{free_port()}"
    config["clusters"][0]["cluster"]["server"] = dead
    path = tmp_path / "dead.yaml"
    path.write_text(yaml.safe_dump(config))
    existing = ExistingCluster(kubeconfig=path, progress=quiet)
    with pytest.raises(ClusterError) as raised:
        existing.up()
    assert f"existing cluster at {dead}" in str(raised.value)
    assert str(raised.value).endswith("did not answer: connection refused")
    assert "\n" not in str(raised.value)
    existing.down()


def test_restart_needs_a_configured_command_and_images_cannot_be_imported(
    cluster: ContainerCluster,
) -> None:
    existing = ExistingCluster(kubeconfig=cluster.kubeconfig_path, progress=quiet)
    existing.up()
    try:
        with pytest.raises(ClusterError, match=r"add \?restart=<command>"):
            existing.restart_node()
        with pytest.raises(ClusterError, match="push example/app:1 to a registry"):
            existing.import_images(["example/app:1"])
    finally:
        existing.down()


def test_disruptive_checks_are_skipped_without_opt_in(
    cluster: ContainerCluster, tmp_path: Path
) -> None:
    (tmp_path / "test_disrupt.py").write_text(
        "import pytest\n\n\n@pytest.mark.disruptive\n"
        "def test_restart(cluster):\n    cluster.restart_node()\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(tmp_path),
            "-p",
            "no:cacheprovider",
            "-rs",
            "--cluster",
            f"kubeconfig://{cluster.kubeconfig_path}",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout
    assert "pass --allow-disruptive to run it" in result.stdout
