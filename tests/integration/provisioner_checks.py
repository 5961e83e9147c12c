"""Checks every provisioner's integration test makes, whatever tool it drives: a component is
applied and destroyed leaving nothing labelled, a second apply and the tool's drift find nothing,
a change behind the tool's back is drift, a component that cannot settle is named with its
reason within its deadline, and a broken source fails in one line.

pytest does not rewrite the asserts of a module it does not collect: each carries its message."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from kubernetes import client as k8s

from homelab_acceptance.errors import ProvisionError, WaitTimeout
from homelab_acceptance.provision.component_namespace import component_labels
from homelab_acceptance.provision.contract import ApplyReport, Provisioner
from homelab_acceptance.provision.settling import HOPELESS_WAITING


def web_server_objects(namespace: str) -> tuple[str, ...]:
    """What the test web server is made of, as each tool's fixture makes it (manifests in
    fixtures/components/web, the helm-web chart, the opentofu-web module)."""
    return (
        f"Namespace {namespace}",
        f"ConfigMap {namespace}/web-content",
        f"Deployment {namespace}/web",
        f"Service {namespace}/web",
    )


@contextmanager
def applied_then_destroyed(provisioner: Provisioner, api: k8s.ApiClient) -> Iterator[ApplyReport]:
    """Apply the component and hand over the report; destroy it however the block ends, and
    when the block passed, check that destroy left nothing."""
    try:
        yield provisioner.apply()
    finally:
        provisioner.destroy()
    assert_nothing_left(api, provisioner)


def assert_applied_idempotently(provisioner: Provisioner, first: ApplyReport) -> ApplyReport:
    """Apply the unchanged source again: nothing may change and the tool may find no drift, or a
    re-run of the stack would not be safe. Prints both applies' times (where a slow tool shows);
    returns the second report, whose `unchanged` each tool words its own way."""
    second = provisioner.apply()
    print(f"\n{provisioner.name} apply: first {first.seconds:.1f}s, second {second.seconds:.1f}s")
    assert second.changes == (), f"the second apply changed {second.changes}"
    drift = provisioner.drift()
    assert drift == (), f"drift right after an apply: {drift}"
    return second


def assert_live_change_is_drift(
    api: k8s.ApiClient, provisioner: Provisioner, deployment: str, expected: tuple[str, ...]
) -> None:
    """Scale the component's `deployment` to 2 replicas behind the tool's back: the tool's
    drift must say so, as `expected`."""
    namespace = provisioner.component.namespace
    k8s.AppsV1Api(api).patch_namespaced_deployment(deployment, namespace, {"spec": {"replicas": 2}})
    drift = provisioner.drift()
    assert drift == expected, f"after scaling Deployment {namespace}/{deployment}: drift {drift}"


def labelled_objects(api: k8s.ApiClient, provisioner: Provisioner) -> list[str]:
    """Whatever carries the component's and the run's labels, anywhere, of the kinds the test
    components make ("Deployment NAMESPACE/NAME", "ClusterRole NAME")."""
    labels = component_labels(provisioner.component, provisioner.identity)
    selector = ",".join(f"{key}={value}" for key, value in labels.items())
    core, apps = k8s.CoreV1Api(api), k8s.AppsV1Api(api)
    listed: list[tuple[str, Any]] = [
        ("Namespace", core.list_namespace(label_selector=selector)),
        ("ConfigMap", core.list_config_map_for_all_namespaces(label_selector=selector)),
        ("Pod", core.list_pod_for_all_namespaces(label_selector=selector)),
        ("Deployment", apps.list_deployment_for_all_namespaces(label_selector=selector)),
        ("DaemonSet", apps.list_daemon_set_for_all_namespaces(label_selector=selector)),
        ("Service", core.list_service_for_all_namespaces(label_selector=selector)),
        ("ClusterRole", k8s.RbacAuthorizationV1Api(api).list_cluster_role(label_selector=selector)),
    ]
    return [
        f"{kind} {'/'.join(filter(None, (item.metadata.namespace, item.metadata.name)))}"
        for kind, found in listed
        for item in found.items
    ]


def assert_nothing_left(api: k8s.ApiClient, provisioner: Provisioner) -> None:
    """The component's namespace is absent and nothing anywhere carries its labels (after
    destroy, or after an apply that failed before creating anything)."""
    namespace = provisioner.component.namespace
    left = labelled_objects(api, provisioner)
    names = [n.metadata.name for n in k8s.CoreV1Api(api).list_namespace().items if n.metadata]
    if namespace in names and f"Namespace {namespace}" not in left:
        left.append(f"Namespace {namespace}")
    assert left == [], f"left of component {provisioner.component.name}: {left}"


def assert_settling_fails_with(
    api: k8s.ApiClient, provisioner: Provisioner, *reasons: str, slack_s: float = 10
) -> None:
    """Apply a component that cannot settle: wait_settled must give up within the component's
    deadline (plus `slack_s` for its last look) naming the component and every one of
    `reasons` (the workload, what its pods say); destroy must still leave nothing. A reason
    no wait can cure (ErrImageNeverPull) must end the wait at once, with a ProvisionError;
    any other, at the deadline, with a WaitTimeout."""
    with applied_then_destroyed(provisioner, api):
        started = time.monotonic()
        with pytest.raises((WaitTimeout, ProvisionError)) as raised:
            provisioner.wait_settled()
        waited = time.monotonic() - started
    component = provisioner.component
    message = str(raised.value)
    deadline = component.settle_timeout_s
    if any(reason in HOPELESS_WAITING for reason in reasons):
        assert isinstance(raised.value, ProvisionError), message
        said = f"component {component.name} cannot settle"
        assert waited < min(deadline, 15), f"gave up after {waited:.1f}s, not at once: {message}"
    else:
        assert isinstance(raised.value, WaitTimeout), message
        said = f"waiting for component {component.name} to settle"
    missing = [reason for reason in (said, *reasons) if reason not in message]
    assert missing == [], f"{missing} not in the failure: {message}"
    assert waited < deadline + slack_s, f"gave up after {waited:.1f}s, deadline {deadline:.0f}s"


def apply_error(api: k8s.ApiClient, provisioner: Provisioner) -> str:
    """The ProvisionError of applying a broken source, which must be one line; destroy after
    it must still leave nothing."""
    try:
        with pytest.raises(ProvisionError) as raised:
            provisioner.apply()
    finally:
        provisioner.destroy()
    message = str(raised.value)
    assert "\n" not in message, f"not one line: {message!r}"
    assert_nothing_left(api, provisioner)
    return message
