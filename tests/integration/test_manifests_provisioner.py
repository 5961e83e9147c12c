"""The manifests provisioner against the real node: apply, settle, idempotence, drift, destroy;
and a component that cannot settle is reported with its reason within its deadline; a component
that ships its own CustomResourceDefinition and objects of it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from kubernetes import client as k8s
from provisioner_checks import (
    applied_then_destroyed,
    assert_applied_idempotently,
    assert_live_change_is_drift,
    assert_settling_fails_with,
    web_server_objects,
)

from homelab_acceptance.cluster import Cluster
from homelab_acceptance.errors import ProvisionError
from homelab_acceptance.provision import provisioner_for
from homelab_acceptance.pytest_plugin.session_state import run_identity_key
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
    with applied_then_destroyed(provisioner, kube_api) as first:
        assert set(first.changes) == {f"{made}: created" for made in web_server_objects(namespace)}
        provisioner.wait_settled()
        assert_applied_idempotently(provisioner, first)
        drifted = (f"Deployment {namespace}/web: differs from the source",)
        assert_live_change_is_drift(kube_api, provisioner, "web", drifted)


@pytest.mark.parametrize(
    "case",
    [
        ("unpullable", "ghost", "ErrImageNeverPull"),
        ("unready", "unready", "Readiness probe failed: HTTP probe failed with statuscode: 404"),
    ],
    ids=["bad-image", "failing-probe"],
)
def test_a_component_that_cannot_settle_is_named_with_its_reason(
    request: pytest.FixtureRequest,
    cluster: Cluster,
    kube_api: k8s.ApiClient,
    busybox_image: str,
    case: tuple[str, str, str],
) -> None:
    fixture, workload, reason = case
    identity = request.config.stash[run_identity_key]
    namespace = f"hla-{workload}-{identity.run_id}"
    provisioner = provisioner_for("manifests")(
        cluster, component(fixture, namespace, settle_timeout_s=20), identity
    )
    assert_settling_fails_with(
        kube_api, provisioner, f"Deployment {namespace}/{workload}: 0/1 ready", reason
    )


def test_services_that_reach_no_pod_are_named_once_the_component_settles(
    request: pytest.FixtureRequest,
    cluster: Cluster,
    kube_api: k8s.ApiClient,
    busybox_image: str,
) -> None:
    identity = request.config.stash[run_identity_key]
    namespace = f"hla-miswired-{identity.run_id}"
    provisioner = provisioner_for("manifests")(cluster, component("miswired", namespace), identity)
    with applied_then_destroyed(provisioner, kube_api):
        started = time.monotonic()
        with pytest.raises(ProvisionError) as raised:
            provisioner.wait_settled()
        took = time.monotonic() - started
    message = str(raised.value)
    assert message.startswith("component miswired: "), message
    assert f"Service {namespace}/typo: spec.selector {{app: wbe}} matches no pod" in message
    assert "(pods here have {app: web" in message
    assert (
        f"Service {namespace}/unnamed-port: port 80 targets the named port 'web-http', which "
        "no selected container exposes (named ports: ['http'])"
    ) in message
    # Named when the Deployment has settled, not at the end of the settle deadline.
    assert took < provisioner.component.settle_timeout_s / 2, f"took {took:.1f}s"


def test_a_component_that_ships_its_crd_and_an_object_of_it_is_applied_and_destroyed(
    request: pytest.FixtureRequest, cluster: Cluster, kube_api: k8s.ApiClient
) -> None:
    """The definition and its object in one apply (the object cannot be applied before the
    API serves its kind); idempotent, drift-free, and both gone after destroy."""
    identity = request.config.stash[run_identity_key]
    namespace = f"hla-crd-{identity.run_id}"
    crd = "backupschedules.homelab-acceptance.test"
    provisioner = provisioner_for("manifests")(
        cluster, component("crd-shipping", namespace), identity
    )
    custom = k8s.CustomObjectsApi(kube_api)
    with applied_then_destroyed(provisioner, kube_api) as first:
        assert set(first.changes) == {
            f"Namespace {namespace}: created",
            f"CustomResourceDefinition {crd}: created",
            f"BackupSchedule {namespace}/nightly: created",
        }
        provisioner.wait_settled()
        nightly = custom.get_namespaced_custom_object(
            "homelab-acceptance.test", "v1", namespace, "backupschedules", "nightly"
        )
        assert nightly["spec"] == {"schedule": "0 3 * * *", "keep": 7}
        assert_applied_idempotently(provisioner, first)
    definitions = k8s.ApiextensionsV1Api(kube_api).list_custom_resource_definition().items
    assert crd not in [d.metadata.name for d in definitions if d.metadata]


def test_an_object_of_a_kind_no_definition_serves_is_one_clear_error(
    request: pytest.FixtureRequest, cluster: Cluster, tmp_path: Path
) -> None:
    (tmp_path / "monitor.yaml").write_text(
        "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: web}\n"
    )
    identity = request.config.stash[run_identity_key]
    orphan = Component(
        name="orphan", provisioner="manifests", source=tmp_path,
        namespace=f"hla-orphan-{identity.run_id}",
    )  # fmt: skip
    provisioner = provisioner_for("manifests")(cluster, orphan, identity)
    try:
        with pytest.raises(ProvisionError) as raised:
            provisioner.apply()
    finally:
        provisioner.destroy()
    assert str(raised.value) == (
        "component orphan: the API serves no kind ServiceMonitor in monitoring.coreos.com/v1 "
        "(for ServiceMonitor web): is its CustomResourceDefinition part of the stack?"
    )
