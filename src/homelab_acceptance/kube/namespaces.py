"""Namespaces the harness creates: labelled with the run, deleted and awaited gone after use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from homelab_acceptance.cleanup_shield import run_is_stopping
from homelab_acceptance.run_identity import LABEL, RunIdentity
from homelab_acceptance.waiting import Observation, wait_for


@contextmanager
def labelled_namespace(
    api: k8s.ApiClient, identity: RunIdentity, purpose: str, timeout_s: float = 120
) -> Iterator[str]:
    """A fresh namespace `hla-<purpose>-<run id>` for the block; deleted after it, and the
    block's exit waits until it is really gone (so the next user does not race its deletion),
    unless the run is being stopped."""
    core = k8s.CoreV1Api(api)
    name = f"hla-{purpose}-{identity.run_id}"
    core.create_namespace(
        k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name=name, labels={LABEL: identity.run_id}))
    )
    try:
        wait_for(
            lambda: _default_account_usable(api, name),
            awaiting=f"the default ServiceAccount of namespace {name}",
            timeout_s=timeout_s,
        )
        yield name
    finally:
        core.delete_namespace(name)
        # A run being stopped (Ctrl-C, SIGTERM) asks for the deletion and lets Kubernetes
        # finish it: waiting would eat into the 10 s a stopping run has.
        if not run_is_stopping():
            wait_for(
                lambda: namespace_gone(core, name),
                awaiting=f"namespace {name} deleted",
                timeout_s=timeout_s,
            )


def _default_account_usable(api: k8s.ApiClient, namespace: str) -> Observation:
    """Pods can be created once the namespace's default ServiceAccount exists and, before
    Kubernetes 1.24, once its token Secret does (else: "No API token found")."""
    try:
        account = k8s.CoreV1Api(api).read_namespaced_service_account("default", namespace)
    except ApiException as error:
        if error.status == 404:
            return Observation(False, "no default ServiceAccount yet")
        raise
    version = k8s.VersionApi(api).get_code()
    minor = int("".join(ch for ch in str(version.minor) if ch.isdigit()) or "0")
    if str(version.major) == "1" and minor < 24 and not account.secrets:
        return Observation(False, "default ServiceAccount has no token Secret yet")
    return Observation(True, "default ServiceAccount ready")


def namespace_gone(core: k8s.CoreV1Api, name: str) -> Observation:
    """Whether namespace `name` no longer exists (a look for wait_for)."""
    try:
        namespace = core.read_namespace(name)
    except ApiException as error:
        if error.status == 404:
            return Observation(True, "gone")
        raise
    phase = namespace.status.phase if namespace.status else "?"
    return Observation(False, f"namespace {name} still {phase}")
