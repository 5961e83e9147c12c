"""The helm provisioner against the real node with the real helm: apply, settle, idempotence,
drift, destroy (nothing left, cluster-scoped objects included); a release that cannot settle
is reported with its reason within its deadline; a missing helm is one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from kubernetes import client as k8s
from provisioner_checks import (
    applied_then_destroyed,
    apply_error,
    assert_applied_idempotently,
    assert_live_change_is_drift,
    assert_settling_fails_with,
    labelled_objects,
    web_server_objects,
)

from homelab_acceptance.cluster import Cluster
from homelab_acceptance.errors import ConfigurationError
from homelab_acceptance.provision import provisioner_for
from homelab_acceptance.provision.cli_tools import find_cli, run_cli
from homelab_acceptance.pytest_plugin.session_state import run_identity_key
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
    provisioner = provisioner_for("helm")(cluster, component("web", namespace), identity)
    reader = f"ClusterRole {namespace}-web-reader"
    with applied_then_destroyed(provisioner, kube_api) as first:
        made = (*web_server_objects(namespace), reader)
        assert set(first.changes) == {f"{each}: created" for each in made}
        labelled = labelled_objects(kube_api, provisioner)
        assert [each for each in labelled if each.startswith("ClusterRole ")] == [reader]
        provisioner.wait_settled()

        second = assert_applied_idempotently(provisioner, first)
        assert len(second.unchanged) == 4
        drifted = (f"Deployment {namespace}/web: differs from the source",)
        assert_live_change_is_drift(kube_api, provisioner, "web", drifted)
        repaired = provisioner.apply()
        assert repaired.changes == (f"Deployment {namespace}/web: configured",)
        assert provisioner.drift() == ()
    assert "web" not in releases(cluster, provisioner.component)
    assert provisioner.drift() == (f"Release {namespace}/web: missing",)


def test_a_release_that_cannot_settle_is_named_with_its_reason(
    request: pytest.FixtureRequest, cluster: Cluster, kube_api: k8s.ApiClient
) -> None:
    identity = request.config.stash[run_identity_key]
    namespace = f"hla-helm-ghost-{identity.run_id}"
    ghost = component(
        "ghost", namespace, values=(CHART / "values-unpullable.yaml",), settle_timeout_s=20
    )
    provisioner = provisioner_for("helm")(cluster, ghost, identity)
    assert_settling_fails_with(
        kube_api, provisioner, f"Deployment {namespace}/ghost: 0/1 ready", "ErrImageNeverPull"
    )


def test_a_chart_that_does_not_render_is_one_line_with_helms_reason(
    request: pytest.FixtureRequest, cluster: Cluster, kube_api: k8s.ApiClient, tmp_path: Path
) -> None:
    identity = request.config.stash[run_identity_key]
    broken = tmp_path / "values.yaml"
    broken.write_text("replicas: [not, a, number]\n")
    namespace = f"hla-helm-broken-{identity.run_id}"
    provisioner = provisioner_for("helm")(
        cluster, component("broken", namespace, values=(broken,)), identity
    )
    message = apply_error(kube_api, provisioner)
    assert message.startswith("component broken: helm upgrade --install failed (exit 1): ")


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
        "homelab-acceptance tools install puts it beside this Python"
    )
