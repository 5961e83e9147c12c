"""Readiness looks against the real API server: each must refuse what is not ready."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from kubernetes import client as k8s

from homelab_acceptance.cluster.debian import DebianCluster
from homelab_acceptance.cluster.readiness import (
    api_answers_readyz,
    default_service_account_exists,
    kube_system_deployments_available,
    node_ready_since,
)
from homelab_acceptance.pytest_plugin.session_state import run_identity_key
from homelab_acceptance.run_identity import LABEL


def test_a_ready_cluster_passes_every_look(cluster: DebianCluster, kube_api: k8s.ApiClient) -> None:
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    assert api_answers_readyz(kube_api).satisfied
    assert node_ready_since(kube_api, cluster.node_name, long_ago).satisfied
    assert default_service_account_exists(kube_api).satisfied


def test_a_ready_condition_older_than_the_restart_is_stale(
    cluster: DebianCluster, kube_api: k8s.ApiClient
) -> None:
    # After a restart the old Ready=True lingers for the node-monitor grace period.
    future = datetime.now(UTC) + timedelta(hours=1)
    look = node_ready_since(kube_api, cluster.node_name, future)
    assert not look.satisfied
    assert "Ready=True" in look.seen


def test_an_unregistered_node_is_named(kube_api: k8s.ApiClient) -> None:
    look = node_ready_since(kube_api, "no-such-node", datetime.now(UTC))
    assert not look.satisfied
    assert "node no-such-node not registered" in look.seen


def test_kube_system_deployments_are_awaited_and_one_unavailable_is_named(
    request: pytest.FixtureRequest, kube_api: k8s.ApiClient
) -> None:
    look = kube_system_deployments_available(kube_api)
    assert look.satisfied, look.seen
    assert "coredns 1/1" in look.seen
    assert "local-path-provisioner 1/1" in look.seen

    apps = k8s.AppsV1Api(kube_api)
    identity = request.config.stash[run_identity_key]
    name = f"never-available-{identity.run_id}"
    labels = {LABEL: identity.run_id, "app": name}
    container = k8s.V1Container(
        name="absent", image="homelab-acceptance.local/absent:never", image_pull_policy="Never"
    )
    apps.create_namespaced_deployment(
        "kube-system",
        k8s.V1Deployment(
            metadata=k8s.V1ObjectMeta(name=name, labels=labels),
            spec=k8s.V1DeploymentSpec(
                selector=k8s.V1LabelSelector(match_labels={"app": name}),
                template=k8s.V1PodTemplateSpec(
                    metadata=k8s.V1ObjectMeta(labels=labels),
                    spec=k8s.V1PodSpec(containers=[container]),
                ),
            ),
        ),
    )
    try:
        look = kube_system_deployments_available(kube_api)
        assert not look.satisfied
        assert f"{name} 0/1" in look.seen
    finally:
        apps.delete_namespaced_deployment(name, "kube-system", propagation_policy="Foreground")
