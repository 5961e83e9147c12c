"""The ansible provisioner against the real node with the real ansible-playbook: apply, settle,
idempotence (`changed=0`), drift by `--check --diff`, destroy; and one-line reasons for a
component that cannot settle, a failing task and a missing ansible-playbook."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import docker.errors
import pytest
from kubernetes import client as k8s

from homelab_acceptance.cluster import Cluster
from homelab_acceptance.docker_engine import connect_docker
from homelab_acceptance.errors import ConfigurationError, ProvisionError, WaitTimeout
from homelab_acceptance.kube_client import raw_get
from homelab_acceptance.plugin import run_identity_key
from homelab_acceptance.provision import provisioner_for
from homelab_acceptance.run_identity import LABEL
from homelab_acceptance.spec import Component

COMPONENTS = Path(__file__).parents[2] / "fixtures" / "components"
ALERTMANAGER_PLAYBOOK = Path(__file__).parents[2] / "stack" / "playbooks" / "alertmanager.yaml"
ALERTMANAGER_IMAGE = "homelab-acceptance/alertmanager:0.25.0-deb12"


def component(name: str, namespace: str, settle_timeout_s: float = 90) -> Component:
    return Component(
        name=name,
        provisioner="ansible",
        source=COMPONENTS / name / "playbook.yaml",
        namespace=namespace,
        settle_timeout_s=settle_timeout_s,
    )


def leftovers(api: k8s.ApiClient, run_id: str, namespace: str) -> list[str]:
    """The component's namespace if it still exists, and whatever still carries its labels."""
    core, apps = k8s.CoreV1Api(api), k8s.AppsV1Api(api)
    selector = f"{LABEL}={run_id},homelab-acceptance/component=ansible-web"
    names = [n.metadata.name for n in core.list_namespace().items if n.metadata]
    found = [f"Namespace {namespace}"] if namespace in names else []
    listed: list[tuple[str, Any]] = [
        ("Pod", core.list_pod_for_all_namespaces(label_selector=selector)),
        ("Service", core.list_service_for_all_namespaces(label_selector=selector)),
        ("Deployment", apps.list_deployment_for_all_namespaces(label_selector=selector)),
    ]
    for kind, items in listed:
        found += [f"{kind} {item.metadata.namespace}/{item.metadata.name}" for item in items.items]
    return found


def test_apply_settle_idempotence_drift_and_destroy(
    request: pytest.FixtureRequest, cluster: Cluster, kube_api: k8s.ApiClient, busybox_image: str
) -> None:
    identity = request.config.stash[run_identity_key]
    namespace = f"hla-ansible-{identity.run_id}"
    provisioner = provisioner_for("ansible")(cluster, component("ansible-web", namespace), identity)
    try:
        first = provisioner.apply()
        print(f"\nansible apply: first {first.seconds:.1f}s", end="")
        assert first.changes == ("task Deployment web: changed", "task Service web: changed")
        provisioner.wait_settled()
        service = k8s.CoreV1Api(kube_api).read_namespaced_service("web", namespace)
        assert service.metadata is not None
        assert (service.metadata.labels or {}).get(LABEL) == identity.run_id

        second = provisioner.apply()
        print(f", second {second.seconds:.1f}s", end="")
        assert second.changes == ()
        assert second.unchanged == ("task Deployment web", "task Service web")
        assert provisioner.drift() == ()

        k8s.AppsV1Api(kube_api).patch_namespaced_deployment(
            "web", namespace, {"spec": {"replicas": 2}}
        )
        assert provisioner.drift() == ("task Deployment web: would change",)
    finally:
        provisioner.destroy()
    assert leftovers(kube_api, identity.run_id, namespace) == []


def test_a_component_that_cannot_settle_is_named_with_its_reason(
    request: pytest.FixtureRequest, cluster: Cluster
) -> None:
    identity = request.config.stash[run_identity_key]
    namespace = f"hla-ansible-ghost-{identity.run_id}"
    provisioner = provisioner_for("ansible")(
        cluster, component("ansible-unpullable", namespace, settle_timeout_s=20), identity
    )
    try:
        provisioner.apply()
        started = time.monotonic()
        with pytest.raises(WaitTimeout) as raised:
            provisioner.wait_settled()
        waited = time.monotonic() - started
    finally:
        provisioner.destroy()
    message = str(raised.value)
    assert "waiting for component ansible-unpullable to settle" in message
    assert f"Deployment {namespace}/ghost: 0/1 ready" in message
    assert "ErrImageNeverPull" in message
    assert waited < 20 + 5


def test_a_failing_task_is_one_line_naming_the_task(
    request: pytest.FixtureRequest, cluster: Cluster
) -> None:
    identity = request.config.stash[run_identity_key]
    namespace = f"hla-ansible-failing-{identity.run_id}"
    provisioner = provisioner_for("ansible")(
        cluster, component("ansible-failing", namespace), identity
    )
    try:
        with pytest.raises(ProvisionError) as raised:
            provisioner.apply()
    finally:
        provisioner.destroy()
    message = str(raised.value)
    assert message.startswith(
        "component ansible-failing: apply: task 'ConfigMap with an invalid name' failed: "
    ), message
    assert 'Invalid value: "Not_A_Valid_Name"' in message
    assert "\n" not in message
    assert "do-not-print-me" not in message


def test_a_missing_ansible_playbook_is_one_line(
    request: pytest.FixtureRequest,
    cluster: Cluster,
    kube_api: k8s.ApiClient,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    identity = request.config.stash[run_identity_key]
    namespace = f"hla-ansible-absent-{identity.run_id}"
    # The tool is looked up on PATH and beside the running Python: hide both.
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    provisioner = provisioner_for("ansible")(cluster, component("ansible-web", namespace), identity)
    with pytest.raises(ConfigurationError) as raised:
        provisioner.apply()
    message = str(raised.value)
    assert message.startswith("component ansible-web (ansible): no 'ansible-playbook' on PATH")
    assert "pip install 'homelab-acceptance[provisioners]'" in message
    assert "\n" not in message
    names = [n.metadata.name for n in k8s.CoreV1Api(kube_api).list_namespace().items if n.metadata]
    assert namespace not in names


def test_the_alertmanager_playbook_serves_its_configuration_without_gossip(
    request: pytest.FixtureRequest, cluster: Cluster, kube_api: k8s.ApiClient
) -> None:
    try:
        connect_docker().images.get(ALERTMANAGER_IMAGE)
    except docker.errors.ImageNotFound:
        pytest.skip(f"{ALERTMANAGER_IMAGE} is not built (stack/images/alertmanager)")
    cluster.import_images([ALERTMANAGER_IMAGE])
    identity = request.config.stash[run_identity_key]
    namespace = f"hla-alertmanager-{identity.run_id}"
    alertmanager = Component(
        name="alertmanager", provisioner="ansible", source=ALERTMANAGER_PLAYBOOK,
        namespace=namespace, settle_timeout_s=90,
    )  # fmt: skip
    provisioner = provisioner_for("ansible")(cluster, alertmanager, identity)
    try:
        provisioner.apply()
        provisioner.wait_settled()
        assert provisioner.apply().changes == ()
        status_code, body = raw_get(
            kube_api,
            f"/api/v1/namespaces/{namespace}/services/alertmanager:9093/proxy/api/v2/status",
        )
        assert status_code == 200, body[:300]
        status = json.loads(body)
        assert status["cluster"]["status"] == "disabled"
        assert "receiver: default" in status["config"]["original"]
    finally:
        provisioner.destroy()
