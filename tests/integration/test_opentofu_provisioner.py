"""The opentofu provisioner against the real node with the real tool (tofu, built from its Go
module by `tools install`; terraform where no tofu is installed): apply, settle, idempotence
(a second apply and a plan change nothing), a changed input found as drift, destroy leaving
nothing; and its one-line failures. The reference node-exporter module runs with the
kubernetes provider from the mirror beside tofu, where a change by hand is drift."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
from kubernetes import client as k8s
from provisioner_checks import (
    applied_then_destroyed,
    apply_error,
    assert_applied_idempotently,
    assert_nothing_left,
    assert_settling_fails_with,
    labelled_objects,
    web_server_objects,
)

from homelab_acceptance.cluster import Cluster
from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.docker.local_images import build_local_image
from homelab_acceptance.errors import ConfigurationError
from homelab_acceptance.provision import provisioner_for
from homelab_acceptance.pytest_plugin.session_state import progress_printer, run_identity_key
from homelab_acceptance.spec import Component

COMPONENTS = Path(__file__).parents[2] / "fixtures" / "components"
WEB_MODULE = COMPONENTS / "opentofu-web"
STACK = Path(__file__).parents[2] / "stack"
NODE_EXPORTER_IMAGE = "homelab-acceptance/node-exporter:1.5.0-deb12"
NODE_STATE = "/var/lib/homelab-node"


def component(
    name: str,
    namespace: str,
    source: Path = WEB_MODULE,
    values: tuple[Path, ...] = (),
    settle_timeout_s: float = 90,
) -> Component:
    return Component(
        name=name, provisioner="opentofu", source=source, namespace=namespace, values=values,
        settle_timeout_s=settle_timeout_s,
    )  # fmt: skip


def test_apply_settle_idempotence_drift_and_destroy(
    request: pytest.FixtureRequest, cluster: Cluster, kube_api: k8s.ApiClient, busybox_image: str
) -> None:
    identity = request.config.stash[run_identity_key]
    namespace = f"hla-tofu-{identity.run_id}"
    web = component("opentofu-web", namespace)
    provisioner = provisioner_for("opentofu")(cluster, web, identity)
    work_dir = identity.workdir() / "opentofu" / "opentofu-web"
    with applied_then_destroyed(provisioner, kube_api) as first:
        assert first.changes == ("resource terraform_data.web: create",)
        assert (work_dir / "terraform.tfstate").is_file()
        assert not (WEB_MODULE / "terraform.tfstate").exists()
        provisioner.wait_settled()
        made = labelled_objects(kube_api, provisioner)
        assert sorted(made) == sorted(web_server_objects(namespace))

        second = assert_applied_idempotently(provisioner, first)
        assert second.unchanged == ("resource terraform_data.web",)

        greeting = WEB_MODULE / "greeting.tfvars"
        changed = provisioner_for("opentofu")(
            cluster, dataclasses.replace(web, values=(greeting,)), identity
        )
        assert changed.drift() == ("resource terraform_data.web: replace",)
        assert changed.apply().changes == ("resource terraform_data.web: replace",)
        content = k8s.CoreV1Api(kube_api).read_namespaced_config_map("web-content", namespace)
        assert content.data == {"index.html": "hello again, changed by a -var-file\n"}
        assert changed.drift() == ()
    assert not work_dir.exists()


def test_a_module_whose_image_cannot_be_pulled_is_named_with_its_reason(
    request: pytest.FixtureRequest, cluster: Cluster, kube_api: k8s.ApiClient
) -> None:
    identity = request.config.stash[run_identity_key]
    namespace = f"hla-tofu-ghost-{identity.run_id}"
    unpullable = WEB_MODULE / "unpullable.tfvars"
    ghost = component("opentofu-ghost", namespace, values=(unpullable,), settle_timeout_s=20)
    assert_settling_fails_with(
        kube_api,
        provisioner_for("opentofu")(cluster, ghost, identity),
        f"Deployment {namespace}/web: 0/1 ready",
        "ErrImageNeverPull",
    )


def test_a_module_with_an_error_is_one_line_with_the_tool_diagnostic(
    request: pytest.FixtureRequest, cluster: Cluster, kube_api: k8s.ApiClient
) -> None:
    identity = request.config.stash[run_identity_key]
    namespace = f"hla-tofu-broken-{identity.run_id}"
    broken = component("opentofu-broken", namespace, source=COMPONENTS / "opentofu-broken")
    provisioner = provisioner_for("opentofu")(cluster, broken, identity)
    message = apply_error(kube_api, provisioner)
    assert message.startswith("component opentofu-broken: ")
    assert " apply failed (exit 1): main.tf:3: Unsupported argument: " in message
    assert 'An argument named "replicas" is not expected here.' in message


def test_without_tofu_or_terraform_apply_is_one_line_and_creates_nothing(
    request: pytest.FixtureRequest,
    cluster: Cluster,
    kube_api: k8s.ApiClient,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    identity = request.config.stash[run_identity_key]
    namespace = f"hla-tofu-none-{identity.run_id}"
    provisioner = provisioner_for("opentofu")(
        cluster, component("opentofu-none", namespace), identity
    )
    monkeypatch.setenv("PATH", "")
    # Nor beside the running Python, where `tools install` puts tofu.
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    with pytest.raises(ConfigurationError) as raised:
        provisioner.apply()
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(
        "component opentofu-none (opentofu): no 'tofu' or 'terraform' on PATH"
    )
    assert "`homelab-acceptance tools install` builds OpenTofu's CLI (tofu)" in message
    assert_nothing_left(kube_api, provisioner)
    assert not (identity.workdir() / "opentofu" / "opentofu-none").exists()


def test_the_reference_node_exporter_module_manages_live_objects_with_the_provider(
    request: pytest.FixtureRequest, cluster: Cluster, kube_api: k8s.ApiClient
) -> None:
    """The kubernetes provider from the mirror `tools install` lays out: state per run, private
    files, a change by hand to a live object found as drift and repaired, node-exporter's
    metrics real, and destroy leaving nothing (nor the work dir with its state and CLI config)."""
    identity = request.config.stash[run_identity_key]
    image = build_local_image(
        connect_docker(), STACK / "images" / "node-exporter", NODE_EXPORTER_IMAGE,
        progress_printer(request.config),
    )  # fmt: skip
    cluster.import_images([image])
    namespace = f"hla-tofu-node-exporter-{identity.run_id}"
    module = STACK / "tofu" / "node-exporter"
    exporter = component("node-exporter", namespace, source=module)
    provisioner = provisioner_for("opentofu")(cluster, exporter, identity)
    work_dir = identity.workdir() / "opentofu" / "node-exporter"
    cli_config = identity.workdir() / "opentofu" / "node-exporter.tfrc"
    daemon_set = "resource kubernetes_daemonset.node_exporter"
    with applied_then_destroyed(provisioner, kube_api) as first:
        # In the order the tool finished them, which varies.
        assert sorted(first.changes) == [
            f"{daemon_set}: create", "resource kubernetes_service.node_exporter: create"
        ]  # fmt: skip
        provisioner.wait_settled()
        assert (work_dir / "terraform.tfstate").is_file()
        assert not (module / "terraform.tfstate").exists()
        assert not (module / ".terraform").exists()
        for private in (work_dir, work_dir / "terraform.tfstate", cli_config):
            mode = private.stat().st_mode & 0o777
            assert mode & 0o077 == 0, f"{private} is {oct(mode)}, readable beyond its owner"
        assert "registry.opentofu.org/hashicorp/kubernetes" in cli_config.read_text()
        assert_applied_idempotently(provisioner, first)

        apps = k8s.AppsV1Api(kube_api)
        by_hand = {"spec": {"template": {"spec": {"terminationGracePeriodSeconds": 7}}}}
        apps.patch_namespaced_daemon_set("node-exporter", namespace, by_hand)
        # The provider read the live object: changed outside the tool, and the plan to undo it.
        assert provisioner.drift() == (
            f"{daemon_set}: update", f"{daemon_set}: changed outside (update)"
        )  # fmt: skip
        assert provisioner.apply().changes == (f"{daemon_set}: update",)
        live = apps.read_namespaced_daemon_set("node-exporter", namespace)
        assert live.spec.template.spec.termination_grace_period_seconds == 5
        assert provisioner.drift() == ()
        provisioner.wait_settled()

        metrics = k8s.CoreV1Api(kube_api).connect_get_namespaced_service_proxy_with_path(
            "node-exporter:9100", namespace, "metrics"
        )
        service = k8s.CoreV1Api(kube_api).read_namespaced_service("node-exporter", namespace)
    assert not work_dir.exists()
    assert not cli_config.exists()
    assert service.metadata.annotations == {
        "prometheus.io/scrape": "true", "prometheus.io/port": "9100"
    }  # fmt: skip
    # The node's state volume (its kubelet, containerd and volume data), as seen on the node;
    # the node's "/" is an overlay, which node-exporter leaves out by default.
    node = connect_docker().containers.get(cluster.describe()["node_container"])
    statfs = node.exec_run(["stat", "-f", "-c", "%b %s", NODE_STATE]).output.split()
    assert filesystem_size_bytes(metrics, NODE_STATE) == int(statfs[0]) * int(statfs[1])


def filesystem_size_bytes(metrics: str, mountpoint: str) -> int:
    """node_filesystem_size_bytes of `mountpoint`, from node-exporter's text format."""
    for line in metrics.splitlines():
        if line.startswith("node_filesystem_size_bytes{") and f'mountpoint="{mountpoint}"' in line:
            return int(float(line.rsplit(" ", 1)[1]))
    raise AssertionError(f"node-exporter reports no filesystem at mountpoint {mountpoint}")
