"""The ansible provisioner against the real node with the real ansible-playbook: apply, settle,
idempotence (`changed=0`), drift by `--check --diff`, destroy; and one-line reasons for a
component that cannot settle, a failing task and a missing ansible-playbook."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import docker.errors
import pytest
from kubernetes import client as k8s
from provisioner_checks import (
    applied_then_destroyed,
    apply_error,
    assert_applied_idempotently,
    assert_live_change_is_drift,
    assert_nothing_left,
    assert_settling_fails_with,
)

from homelab_acceptance.cluster import Cluster
from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.errors import ConfigurationError
from homelab_acceptance.kube.client import raw_get
from homelab_acceptance.provision import provisioner_for
from homelab_acceptance.pytest_plugin.session_state import run_identity_key
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


def test_apply_settle_idempotence_drift_and_destroy(
    request: pytest.FixtureRequest, cluster: Cluster, kube_api: k8s.ApiClient, busybox_image: str
) -> None:
    identity = request.config.stash[run_identity_key]
    namespace = f"hla-ansible-{identity.run_id}"
    provisioner = provisioner_for("ansible")(cluster, component("ansible-web", namespace), identity)
    with applied_then_destroyed(provisioner, kube_api) as first:
        assert first.changes == ("task Deployment web: changed", "task Service web: changed")
        provisioner.wait_settled()
        service = k8s.CoreV1Api(kube_api).read_namespaced_service("web", namespace)
        assert service.metadata is not None
        assert (service.metadata.labels or {}).get(LABEL) == identity.run_id

        second = assert_applied_idempotently(provisioner, first)
        assert second.unchanged == ("task Deployment web", "task Service web")
        drifted = ("task Deployment web: would change",)
        assert_live_change_is_drift(kube_api, provisioner, "web", drifted)


def test_a_component_that_cannot_settle_is_named_with_its_reason(
    request: pytest.FixtureRequest, cluster: Cluster, kube_api: k8s.ApiClient
) -> None:
    identity = request.config.stash[run_identity_key]
    ghost = component("ansible-unpullable", f"hla-ansible-ghost-{identity.run_id}", 20)
    assert_settling_fails_with(
        kube_api,
        provisioner_for("ansible")(cluster, ghost, identity),
        f"Deployment {ghost.namespace}/ghost: 0/1 ready",
        "ErrImageNeverPull",
        slack_s=5,
    )


def test_a_failing_task_is_one_line_naming_the_task(
    request: pytest.FixtureRequest, cluster: Cluster, kube_api: k8s.ApiClient
) -> None:
    identity = request.config.stash[run_identity_key]
    namespace = f"hla-ansible-failing-{identity.run_id}"
    provisioner = provisioner_for("ansible")(
        cluster, component("ansible-failing", namespace), identity
    )
    message = apply_error(kube_api, provisioner)
    assert message.startswith(
        "component ansible-failing: apply: task 'ConfigMap with an invalid name' failed: "
    ), message
    assert 'Invalid value: "Not_A_Valid_Name"' in message
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
    assert_nothing_left(kube_api, provisioner)


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
        assert "receiver: homelab-webhook" in status["config"]["original"]
    finally:
        provisioner.destroy()
