"""The helm provisioner against the real node with the real helm: apply, settle, idempotence,
drift, destroy (nothing left, cluster-scoped objects included); a release that cannot settle
is reported with its reason within its deadline; a missing helm is one line."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from kubernetes import client as k8s

from homelab_acceptance.cluster import Cluster
from homelab_acceptance.errors import ConfigurationError, ProvisionError, WaitTimeout
from homelab_acceptance.plugin import run_identity_key
from homelab_acceptance.provision import provisioner_for
from homelab_acceptance.provision.cli_tools import find_cli, run_cli
from homelab_acceptance.provision.component_namespace import COMPONENT_LABEL
from homelab_acceptance.spec import Component

CHART = Path(__file__).parents[2] / "fixtures" / "components" / "helm-web"


def component(
    name: str, namespace: str, values: tuple[Path, ...] = (), settle_timeout_s: float = 90
) -> Component:
    return Component(
        name=name,
        provisioner="helm",
        source=CHART,
        namespace=namespace,
        values=values,
        settle_timeout_s=settle_timeout_s,
    )


def releases(cluster: Cluster, web: Component) -> list[str]:
    helm = find_cli("helm")
    assert helm is not None
    listed = run_cli(
        web,
        "helm list",
        [
            helm,
            "list",
            "-A",
            "--deployed",
            "--failed",
            "--pending",
            "-q",
            "--kubeconfig",
            str(cluster.kubeconfig_path),
        ],
    )
    return listed.stdout.split()


def test_apply_settle_idempotence_drift_and_destroy(
    request: pytest.FixtureRequest, cluster: Cluster, kube_api: k8s.ApiClient, busybox_image: str
) -> None:
    identity = request.config.stash[run_identity_key]
    namespace = f"hla-helm-{identity.run_id}"
    web = component("web", namespace)
    provisioner = provisioner_for("helm")(cluster, web, identity)
    rbac = k8s.RbacAuthorizationV1Api(kube_api)
    ours = f"{COMPONENT_LABEL}=web,homelab-acceptance={identity.run_id}"
    try:
        first = provisioner.apply()
        assert set(first.changes) == {
            f"Namespace {namespace}: created",
            f"ConfigMap {namespace}/web-content: created",
            f"Deployment {namespace}/web: created",
            f"Service {namespace}/web: created",
            f"ClusterRole {namespace}-web-reader: created",
        }
        labelled = rbac.list_cluster_role(label_selector=ours).items
        assert [r.metadata.name for r in labelled if r.metadata] == [f"{namespace}-web-reader"]
        provisioner.wait_settled()

        second = provisioner.apply()
        assert second.changes == ()
        assert len(second.unchanged) == 4
        assert provisioner.drift() == ()
        print(f"helm apply: first {first.seconds:.2f}s, second {second.seconds:.2f}s")

        k8s.AppsV1Api(kube_api).patch_namespaced_deployment(
            "web", namespace, {"spec": {"replicas": 2}}
        )
        assert provisioner.drift() == (f"Deployment {namespace}/web: differs from the source",)
        repaired = provisioner.apply()
        assert repaired.changes == (f"Deployment {namespace}/web: configured",)
        assert provisioner.drift() == ()
    finally:
        provisioner.destroy()
    names = [n.metadata.name for n in k8s.CoreV1Api(kube_api).list_namespace().items if n.metadata]
    assert namespace not in names
    assert "web" not in releases(cluster, web)
    assert rbac.list_cluster_role(label_selector=ours).items == []
    assert provisioner.drift() == (f"Release {namespace}/web: missing",)


def test_a_release_that_cannot_settle_is_named_with_its_reason(
    request: pytest.FixtureRequest, cluster: Cluster
) -> None:
    identity = request.config.stash[run_identity_key]
    namespace = f"hla-helm-ghost-{identity.run_id}"
    ghost = component(
        "ghost", namespace, values=(CHART / "values-unpullable.yaml",), settle_timeout_s=20
    )
    provisioner = provisioner_for("helm")(cluster, ghost, identity)
    try:
        provisioner.apply()
        started = time.monotonic()
        with pytest.raises(WaitTimeout) as raised:
            provisioner.wait_settled()
        assert time.monotonic() - started < 20 + 10
    finally:
        provisioner.destroy()
    message = str(raised.value)
    assert "waiting for component ghost to settle" in message
    assert f"Deployment {namespace}/ghost: 0/1 ready" in message
    assert "ErrImageNeverPull" in message


def test_a_chart_that_does_not_render_is_one_line_with_helms_reason(
    request: pytest.FixtureRequest, cluster: Cluster, tmp_path: Path
) -> None:
    identity = request.config.stash[run_identity_key]
    broken = tmp_path / "values.yaml"
    broken.write_text("replicas: [not, a, number]\n")
    namespace = f"hla-helm-broken-{identity.run_id}"
    provisioner = provisioner_for("helm")(
        cluster, component("broken", namespace, values=(broken,)), identity
    )
    try:
        with pytest.raises(ProvisionError) as raised:
            provisioner.apply()
    finally:
        provisioner.destroy()
    message = str(raised.value)
    assert message.startswith("component broken: helm upgrade --install failed (exit 1): ")
    assert "\n" not in message


def test_a_missing_helm_is_one_line(
    request: pytest.FixtureRequest,
    cluster: Cluster,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # Neither PATH nor the running Python's directory (where setup puts helm) holds one.
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("sys.executable", str(tmp_path / "python"))
    identity = request.config.stash[run_identity_key]
    provisioner = provisioner_for("helm")(
        cluster, component("web", f"hla-helm-none-{identity.run_id}"), identity
    )
    with pytest.raises(ConfigurationError) as raised:
        provisioner.drift()
    assert str(raised.value) == (
        f"component web (helm): no 'helm' on PATH or in {tmp_path}; "
        "./scripts/setup installs it into .venv/bin"
    )
