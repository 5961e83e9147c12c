"""What the helm provisioner hands to helm: the chart (local, repository, OCI) with its values in
order, and the post-renderer's labels."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from homelab_acceptance.provision.helm import chart_arguments
from homelab_acceptance.provision.helm_post_render import main, post_render
from homelab_acceptance.spec import ChartRef, Component


def component(chart: ChartRef | None = None, values: tuple[Path, ...] = ()) -> Component:
    source = None if chart else Path("stack/charts/prometheus")
    return Component("prometheus", "helm", source, "prometheus", values=values, chart=chart)


def test_a_local_chart_with_its_values_files_in_order() -> None:
    values = (Path("a.yaml"), Path("b.yaml"))
    assert chart_arguments(component(values=values)) == [
        "stack/charts/prometheus", "-f", "a.yaml", "-f", "b.yaml",
    ]  # fmt: skip


def test_a_chart_from_a_repository_is_pinned() -> None:
    chart = ChartRef("https://charts.example/x", "grafana", "8.0.2")
    assert chart_arguments(component(chart)) == [
        "--repo", "https://charts.example/x", "grafana", "--version", "8.0.2",
    ]  # fmt: skip


def test_an_oci_chart_is_named_under_its_registry() -> None:
    chart = ChartRef("oci://registry.example/charts/", "loki", "6.6.4")
    assert chart_arguments(component(chart)) == [
        "oci://registry.example/charts/loki", "--version", "6.6.4",
    ]  # fmt: skip


def test_the_post_renderer_labels_every_object_and_leaves_the_rest_as_written() -> None:
    manifest = """
# Source: x/templates/svc.yaml
apiVersion: v1
kind: Service
metadata: {name: web, labels: {app: web}}
spec: {ports: [{port: 80}, {port: 53, protocol: UDP}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
"""
    service, role = yaml.safe_load_all(post_render(manifest, {"run": "r1"}))
    assert service["metadata"]["labels"] == {"app": "web", "run": "r1"}
    # A port without `protocol` reaches the API server as the chart wrote it.
    assert service["spec"]["ports"] == [{"port": 80}, {"port": 53, "protocol": "UDP"}]
    assert role["metadata"]["labels"] == {"run": "r1"}


def test_a_malformed_label_argument_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-equals-sign"]) == 2
    assert capsys.readouterr().err == (
        "helm post-renderer: labels are key=value, not 'no-equals-sign'\n"
    )
