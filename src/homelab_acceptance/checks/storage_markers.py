"""State that must outlive a node restart, shown on the claims a stack declares
(`limits.persistent_storage`): each claim is bound and mounted by a running pod of the stack,
and a marker written onto it before the restart is read back after it.

The marker is written and read by the harness's own probe pod, which mounts the claim beside
the stack's pod (one node: a ReadWriteOnce claim can be mounted by several pods there), so no
shell is needed in the stack's images. The marker is removed again once read."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from kubernetes import client as k8s

from homelab_acceptance.kube.pods import exec_in_pod, sleeping_pod, wait_pod_running
from homelab_acceptance.run_identity import LABEL, RunIdentity
from homelab_acceptance.spec import StoredClaim

MARKER = ".homelab-acceptance-marker"
MOUNT = "/claim"


@dataclass(frozen=True)
class ClaimFacts:
    claim: StoredClaim
    #: The claim's phase (Bound, Pending, Lost), or None when it does not exist.
    phase: str | None
    #: Running pods of the stack (not the harness's) that mount the claim.
    mounted_by: tuple[str, ...]

    @property
    def problem(self) -> str | None:
        """Why the claim cannot show state across a restart, or None."""
        where = f"PersistentVolumeClaim {self.claim.namespace}/{self.claim.claim}"
        if self.phase is None:
            return f"{where} (limits.persistent_storage) does not exist"
        if self.phase != "Bound":
            return f"{where} is {self.phase}, not Bound"
        if not self.mounted_by:
            return f"{where} is mounted by no running pod"
        return None

    def as_evidence(self) -> dict[str, object]:
        return {
            "claim": f"{self.claim.namespace}/{self.claim.claim}",
            "phase": self.phase,
            "mounted_by": list(self.mounted_by),
        }


def claim_facts(api: k8s.ApiClient, claim: StoredClaim) -> ClaimFacts:
    core = k8s.CoreV1Api(api)
    try:
        found = core.read_namespaced_persistent_volume_claim(claim.claim, claim.namespace)
    except k8s.ApiException as error:
        if error.status == 404:
            return ClaimFacts(claim, None, ())
        raise
    phase = found.status.phase if found.status else None
    mounting = []
    pods: list[Any] = core.list_namespaced_pod(claim.namespace).items
    for pod in pods:
        labels = pod.metadata.labels or {}
        running = pod.status is not None and pod.status.phase == "Running"
        if LABEL in labels or not running or pod.metadata.deletion_timestamp:
            continue
        claims = {
            volume.persistent_volume_claim.claim_name
            for volume in pod.spec.volumes or []
            if volume.persistent_volume_claim is not None
        }
        if claim.claim in claims:
            mounting.append(str(pod.metadata.name))
    return ClaimFacts(claim, phase, tuple(sorted(mounting)))


@contextmanager
def pod_on_claim(
    api: k8s.ApiClient, identity: RunIdentity, claim: StoredClaim, image: str
) -> Iterator[str]:
    """The probe pod with the claim mounted at /claim, running; deleted afterwards."""
    name = f"hla-claim-{identity.run_id}-{uuid.uuid4().hex[:6]}"
    pod = sleeping_pod(name, image, "Never", {LABEL: identity.run_id})
    assert pod.spec is not None
    pod.spec.volumes = [
        k8s.V1Volume(
            name="claim",
            persistent_volume_claim=k8s.V1PersistentVolumeClaimVolumeSource(claim_name=claim.claim),
        )
    ]
    pod.spec.containers[0].volume_mounts = [k8s.V1VolumeMount(name="claim", mount_path=MOUNT)]
    core = k8s.CoreV1Api(api)
    core.create_namespaced_pod(claim.namespace, pod)
    try:
        wait_pod_running(api, claim.namespace, name)
        yield name
    finally:
        core.delete_namespaced_pod(name, claim.namespace, grace_period_seconds=0)


def write_marker(
    api: k8s.ApiClient, identity: RunIdentity, claim: StoredClaim, image: str, text: str
) -> None:
    with pod_on_claim(api, identity, claim, image) as pod:
        command = ["sh", "-c", f"echo {text} > {MOUNT}/{MARKER} && cat {MOUNT}/{MARKER}"]
        code, output = exec_in_pod(api, claim.namespace, pod, command)
    if (code, output.strip()) != (0, text):
        raise AssertionError(
            f"writing the marker onto {claim.namespace}/{claim.claim}: exit {code}: "
            f"{output.strip()[:200]}"
        )


def read_marker(api: k8s.ApiClient, identity: RunIdentity, claim: StoredClaim, image: str) -> str:
    """The marker's text ('' when it is gone); the marker is removed."""
    with pod_on_claim(api, identity, claim, image) as pod:
        code, output = exec_in_pod(
            api, claim.namespace, pod, ["sh", "-c", f"cat {MOUNT}/{MARKER} && rm {MOUNT}/{MARKER}"]
        )
    return output.strip() if code == 0 else ""
