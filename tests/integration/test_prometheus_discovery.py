"""The stack's Prometheus (3.16.0, built from its Go module) finds its targets with its own
Kubernetes service discovery on the real node, with the chart's RBAC: the kubelet and cAdvisor
of the node, and the sample app through its annotated Service's EndpointSlice, all scraped and
up; scaled to zero, the sample app's target goes away."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client as k8s

from homelab_acceptance.cluster import Cluster
from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.docker.local_images import build_local_image
from homelab_acceptance.kube.client import raw_get
from homelab_acceptance.provision import provisioner_for
from homelab_acceptance.pytest_plugin.session_state import progress_printer, run_identity_key
from homelab_acceptance.spec import Component
from homelab_acceptance.waiting import Observation, wait_for

STACK = Path(__file__).parents[2] / "stack"
IMAGES = {
    "prometheus": "homelab-acceptance/prometheus:3.16.0",
    "sample-app": "homelab-acceptance/sample-app:1.0.0",
}
PROXY = "/api/v1/namespaces/prometheus/services/prometheus:9090/proxy"
TARGETS = f"{PROXY}/api/v1/targets"
#: Discovery watches the API server and targets are scraped every 5 s: a few rounds of it.
DISCOVERY_TIMEOUT_S = 90


@pytest.fixture
def discovering_prometheus(request: pytest.FixtureRequest, cluster: Cluster) -> Iterator[None]:
    """The sample app (namespace apps) and Prometheus from the stack's chart and values
    (namespace prometheus), settled; both destroyed afterwards."""
    client, show = connect_docker(), progress_printer(request.config)
    built = [build_local_image(client, STACK / "images" / r, t, show) for r, t in IMAGES.items()]
    cluster.import_images(built)
    identity = request.config.stash[run_identity_key]
    components = [
        Component(
            name="sample-app", provisioner="manifests", source=STACK / "sample-app",
            namespace="apps", settle_timeout_s=120,
        ),
        Component(
            name="prometheus", provisioner="helm", source=STACK / "charts" / "prometheus",
            namespace="prometheus", values=(STACK / "values" / "prometheus.yaml",),
            settle_timeout_s=180,
        ),
    ]  # fmt: skip
    provisioners = [provisioner_for(c.provisioner)(cluster, c, identity) for c in components]
    try:
        for provisioner in provisioners:
            provisioner.apply()
        for provisioner in provisioners:
            provisioner.wait_settled()
        yield
    finally:
        for provisioner in reversed(provisioners):
            provisioner.destroy()


def active_targets(api: k8s.ApiClient) -> list[dict[str, Any]]:
    status, body = raw_get(api, TARGETS)
    if status != 200:
        return []
    targets: list[dict[str, Any]] = json.loads(body)["data"]["activeTargets"]
    return targets


def summary(targets: list[dict[str, Any]]) -> str:
    return "; ".join(
        f"{t['labels'].get('job')} {t['labels'].get('instance')} {t['health']} {t['lastError']}"
        for t in targets
    )


def test_nodes_and_annotated_services_are_discovered_and_follow_the_workload(
    discovering_prometheus: None, kube_api: k8s.ApiClient
) -> None:
    def all_up() -> Observation:
        targets = active_targets(kube_api)
        up = {t["labels"]["job"] for t in targets if t["health"] == "up"}
        return Observation({"kubelet", "cadvisor", "sample-app"} <= up, summary(targets))

    wait_for(
        all_up,
        awaiting="kubelet, cadvisor and sample-app targets up",
        timeout_s=DISCOVERY_TIMEOUT_S,
    )
    targets = active_targets(kube_api)
    (pod,) = k8s.CoreV1Api(kube_api).list_namespaced_pod("apps").items
    assert pod.metadata is not None
    assert pod.status is not None
    (sample,) = [t for t in targets if t["labels"]["job"] == "sample-app"]
    # Kubernetes discovery's __meta_kubernetes_* labels went through the chart's relabelling.
    assert sample["labels"] == {
        "job": "sample-app",
        "instance": f"{pod.status.pod_ip}:8080",
        "namespace": "apps",
        "pod": pod.metadata.name,
        "service": "sample-app",
    }
    assert sample["scrapeUrl"] == f"http://{pod.status.pod_ip}:8080/metrics"
    node = k8s.CoreV1Api(kube_api).list_node().items[0].metadata
    assert node is not None
    (kubelet,) = [t for t in targets if t["labels"]["job"] == "kubelet"]
    assert kubelet["labels"] == {"job": "kubelet", "instance": node.name, "node": node.name}
    assert kubelet["scrapeUrl"] == (
        f"https://kubernetes.default.svc:443/api/v1/nodes/{node.name}/proxy/metrics"
    )

    # The version upstream's release builds stamp (build_info from prometheus/common/version).
    status, body = raw_get(kube_api, f"{PROXY}/api/v1/status/buildinfo")
    assert status == 200, body
    assert json.loads(body)["data"]["version"] == "3.16.0"

    k8s.AppsV1Api(kube_api).patch_namespaced_deployment(
        "sample-app", "apps", {"spec": {"replicas": 0}}
    )

    def sample_app_gone() -> Observation:
        targets = active_targets(kube_api)
        jobs = {t["labels"]["job"] for t in targets}
        return Observation(bool(targets) and "sample-app" not in jobs, summary(targets))

    wait_for(sample_app_gone, awaiting="the sample-app target gone", timeout_s=60)
