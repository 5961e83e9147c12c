"""The namespace a component lives in. A provisioner creates it when absent, labelled with the
run and the component, and destroy deletes it only when it carries those labels: a namespace
the harness did not create (e.g. on a real homelab reached by kubeconfig://) is never removed."""

from __future__ import annotations

from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from homelab_acceptance.kube.namespaces import namespace_gone
from homelab_acceptance.run_identity import LABEL, RunIdentity
from homelab_acceptance.spec import Component
from homelab_acceptance.waiting import wait_for

COMPONENT_LABEL = "homelab-acceptance/component"


def component_labels(component: Component, identity: RunIdentity) -> dict[str, str]:
    return {COMPONENT_LABEL: component.name, LABEL: identity.run_id}


def ensure_namespace(api: k8s.ApiClient, component: Component, identity: RunIdentity) -> bool:
    """Create the component's namespace if it does not exist; True when this call created it."""
    core = k8s.CoreV1Api(api)
    body = k8s.V1Namespace(
        metadata=k8s.V1ObjectMeta(
            name=component.namespace, labels=component_labels(component, identity)
        )
    )
    try:
        core.create_namespace(body)
    except ApiException as error:
        if error.status == 409:
            return False
        raise
    return True


def delete_namespace_if_created(
    api: k8s.ApiClient, component: Component, identity: RunIdentity, timeout_s: float = 180
) -> None:
    """Delete the component's namespace if this run created it for this component, and wait
    until it is gone."""
    core = k8s.CoreV1Api(api)
    try:
        namespace = core.read_namespace(component.namespace)
    except ApiException as error:
        if error.status == 404:
            return
        raise
    labels = (namespace.metadata.labels if namespace.metadata else None) or {}
    if any(labels.get(k) != v for k, v in component_labels(component, identity).items()):
        return
    try:
        core.delete_namespace(component.namespace)
    except ApiException as error:
        if error.status != 404:
            raise

    wait_for(
        lambda: namespace_gone(core, component.namespace),
        awaiting=f"namespace {component.namespace} deleted",
        timeout_s=timeout_s,
    )
