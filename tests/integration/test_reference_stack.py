"""The reference stack's offline profile provisioned on the session's debian:// cluster: every
image built locally (from Debian's packages; Prometheus from its Go module) and imported,
every component applied by its provisioner and settled, a second apply changes nothing and no
provisioner sees drift, and destroy leaves the cluster as it found it."""

from __future__ import annotations

from pathlib import Path

import pytest
from kubernetes import client as k8s

from homelab_acceptance.cluster import Cluster
from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.provision.stack_lifecycle import StackLifecycle
from homelab_acceptance.pytest_plugin.session_state import progress_printer, run_identity_key
from homelab_acceptance.spec import load_stack
from homelab_acceptance.waiting import Observation, wait_for

OFFLINE_PROFILE = Path(__file__).parents[2] / "stack" / "stack.yaml"


def inventory(api: k8s.ApiClient) -> dict[str, set[str]]:
    """What a stack could leave behind: namespaces, cluster-wide RBAC, volumes, classes."""
    core, rbac = k8s.CoreV1Api(api), k8s.RbacAuthorizationV1Api(api)
    storage = k8s.StorageV1Api(api)
    listed = {
        "namespaces": core.list_namespace().items,
        "persistent volumes": core.list_persistent_volume().items,
        "cluster roles": rbac.list_cluster_role().items,
        "cluster role bindings": rbac.list_cluster_role_binding().items,
        "storage classes": storage.list_storage_class().items,
    }
    return {kind: {str(i.metadata.name) for i in items} for kind, items in listed.items()}


def test_the_offline_profile_settles_is_idempotent_and_destroys_cleanly(
    request: pytest.FixtureRequest, cluster: Cluster, kube_api: k8s.ApiClient
) -> None:
    stack = load_stack(OFFLINE_PROFILE)
    assert {c.provisioner for c in stack.components} == {
        "manifests", "helm", "ansible", "opentofu"
    }, "every built-in provisioner must install a real part of the reference stack"  # fmt: skip
    before = inventory(kube_api)
    lifecycle = StackLifecycle(
        cluster, stack, request.config.stash[run_identity_key], progress_printer(request.config)
    )
    try:
        lifecycle.prepare_images(connect_docker())
        first = lifecycle.apply()
        assert [o.component for o in first] == [c.name for c in stack.components]
        assert all(o.applied.changes for o in first), "a first apply must create something"

        second = lifecycle.apply()
        changed = {o.component: o.applied.changes for o in second if o.applied.changes}
        assert changed == {}, f"a second apply of an unchanged stack changed things: {changed}"
        drifted = {name: d for name, d in lifecycle.drift().items() if d}
        assert drifted == {}, f"drift right after apply: {drifted}"
    finally:
        lifecycle.destroy()

    def as_found() -> Observation:
        now = inventory(kube_api)
        left = {kind: sorted(now[kind] - before[kind]) for kind in now if now[kind] - before[kind]}
        gone = {kind: sorted(before[kind] - now[kind]) for kind in now if before[kind] - now[kind]}
        return Observation(not left and not gone, f"left behind {left}; removed {gone}")

    wait_for(as_found, awaiting="the cluster as the stack found it", timeout_s=120)
