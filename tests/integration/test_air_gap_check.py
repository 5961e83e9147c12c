"""The air-gap check against a real node: an imported image run as imported passes; the same
container counted against another import list is flagged; and a pod that makes the kubelet
pull (imagePullPolicy: Always on an imported image) is flagged by its `Pulling` event."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kubernetes import client as k8s

from homelab_acceptance.checks.air_gap import AirGapReport, check_air_gap
from homelab_acceptance.cluster import Cluster
from homelab_acceptance.cluster.container_cluster import ContainerCluster
from homelab_acceptance.kube.namespaces import labelled_namespace
from homelab_acceptance.kube.pods import sleeping_pod, wait_pod_running
from homelab_acceptance.pytest_plugin.session_state import run_identity_key
from homelab_acceptance.run_identity import LABEL
from homelab_acceptance.waiting import Observation, wait_for


@pytest.fixture
def namespace(request: pytest.FixtureRequest, kube_api: k8s.ApiClient) -> Iterator[str]:
    with labelled_namespace(kube_api, request.config.stash[run_identity_key], "airgap") as name:
        yield name


def run_pod(api: k8s.ApiClient, namespace: str, name: str, image: str, pull_policy: str) -> None:
    run_id = namespace.rsplit("-", 1)[-1]
    k8s.CoreV1Api(api).create_namespaced_pod(
        namespace, sleeping_pod(name, image, pull_policy, {LABEL: run_id})
    )


def look(cluster: Cluster, api: k8s.ApiClient, namespace: str, imported: list[str]) -> AirGapReport:
    assert isinstance(cluster, ContainerCluster)
    return check_air_gap(api, cluster.node.exec, imported, [namespace], [namespace])


def test_an_imported_image_passes_and_one_not_imported_is_flagged(
    cluster: Cluster, kube_api: k8s.ApiClient, busybox_image: str, namespace: str
) -> None:
    run_pod(kube_api, namespace, "imported", busybox_image, "IfNotPresent")
    wait_pod_running(kube_api, namespace, "imported")

    clean = look(cluster, kube_api, namespace, [busybox_image])
    assert clean.breaches == ()
    assert clean.images == {
        f"{namespace}/imported main": f"docker.io/{busybox_image}",
    }

    other_import = look(cluster, kube_api, namespace, ["homelab-acceptance/sample-app:1.0.0"])
    assert other_import.pulls == ()
    assert other_import.foreign_images == (
        f"{namespace}/imported main: image docker.io/{busybox_image} was not imported by the "
        "harness",
    )


def test_a_pull_from_outside_is_flagged_by_its_event(
    cluster: Cluster, kube_api: k8s.ApiClient, busybox_image: str, namespace: str
) -> None:
    run_pod(kube_api, namespace, "always", busybox_image, "Always")

    def pulled() -> Observation:
        report = look(cluster, kube_api, namespace, [busybox_image])
        return Observation(bool(report.pulls), "; ".join(report.breaches) or "no pull yet")

    seen = wait_for(pulled, awaiting="a Pulling event for pod always", timeout_s=60).seen
    assert seen.startswith(f'{namespace}/always: Pulling: Pulling image "{busybox_image}"'), seen
