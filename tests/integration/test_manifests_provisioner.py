"""The manifests provisioner against the real node: apply, settle, idempotence, drift, destroy;
and a component that cannot settle is reported with its reason within its deadline."""

from __future__ import annotations

from pathlib import Path

import pytest
from kubernetes import client as k8s

from homelab_acceptance.cluster import Cluster
from homelab_acceptance.errors import WaitTimeout
from homelab_acceptance.plugin import run_identity_key
from homelab_acceptance.provision import provisioner_for
from homelab_acceptance.spec import Component

COMPONENTS = Path(__file__).parents[2] / "fixtures" / "components"


def component(name: str, namespace: str, settle_timeout_s: float = 90) -> Component:
    return Component(
        name=name,
        provisioner="manifests",
        source=COMPONENTS / name,
        namespace=namespace,
        settle_timeout_s=settle_timeout_s,
    )


def test_apply_settle_idempotence_drift_and_destroy(
    request: pytest.FixtureRequest, cluster: Cluster, kube_api: k8s.ApiClient, busybox_image: str
) -> None:
    identity = request.config.stash[run_identity_key]
    namespace = f"hla-manifests-{identity.run_id}"
    provisioner = provisioner_for("manifests")(cluster, component("web", namespace), identity)
    try:
        first = provisioner.apply()
        assert set(first.changes) == {
            f"Namespace {namespace}: created",
            f"ConfigMap {namespace}/web-content: created",
            f"Deployment {namespace}/web: created",
            f"Service {namespace}/web: created",
        }
        provisioner.wait_settled()

        second = provisioner.apply()
        assert second.changes == ()
        assert provisioner.drift() == ()

        k8s.AppsV1Api(kube_api).patch_namespaced_deployment(
            "web", namespace, {"spec": {"replicas": 2}}
        )
        assert provisioner.drift() == (f"Deployment {namespace}/web: differs from the source",)
    finally:
        provisioner.destroy()
    names = [n.metadata.name for n in k8s.CoreV1Api(kube_api).list_namespace().items if n.metadata]
    assert namespace not in names


@pytest.mark.parametrize(
    "case",
    [
        ("unpullable", "ghost", "ErrImageNeverPull"),
        ("unready", "unready", "Readiness probe failed: HTTP probe failed with statuscode: 404"),
    ],
    ids=["bad-image", "failing-probe"],
)
def test_a_component_that_cannot_settle_is_named_with_its_reason(
    request: pytest.FixtureRequest, cluster: Cluster, busybox_image: str, case: tuple[str, str, str]
) -> None:
    fixture, workload, reason = case
    identity = request.config.stash[run_identity_key]
    namespace = f"hla-{workload}-{identity.run_id}"
    provisioner = provisioner_for("manifests")(
        cluster, component(fixture, namespace, settle_timeout_s=20), identity
    )
    try:
        provisioner.apply()
        with pytest.raises(WaitTimeout) as raised:
            provisioner.wait_settled()
    finally:
        provisioner.destroy()
    message = str(raised.value)
    assert f"waiting for component {fixture} to settle" in message
    assert f"Deployment {namespace}/{workload}: 0/1 ready" in message
    assert reason in message
