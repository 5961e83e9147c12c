"""Readiness looks against the real API server: each must refuse what is not ready."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kubernetes import client as k8s

from homelab_acceptance.cluster.debian import DebianCluster
from homelab_acceptance.cluster.readiness import (
    api_answers_readyz,
    default_service_account_exists,
    node_ready_since,
)


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
