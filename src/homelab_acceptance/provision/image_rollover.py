"""Replacing the pods of a component whose image was rebuilt under the same tag: applying its
unchanged manifests again changes nothing, so without this the pods on a reused cluster would
keep running the old image. Their controllers recreate them from the newly imported one."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from homelab_acceptance.docker.image_names import canonical_image_name
from homelab_acceptance.waiting import Observation, wait_for


def replace_pods_running(
    api: k8s.ApiClient, namespace: str, images: Collection[str], timeout_s: float
) -> list[str]:
    """Delete the pods in `namespace` running any of `images` and wait until they are gone;
    their names."""
    wanted = {canonical_image_name(image) for image in images}
    core = k8s.CoreV1Api(api)
    doomed: dict[str, str] = {}
    for pod in _pods(core, namespace):
        containers = [*(pod.spec.init_containers or []), *pod.spec.containers]
        if any(canonical_image_name(str(c.image)) in wanted for c in containers):
            doomed[str(pod.metadata.uid)] = str(pod.metadata.name)
    for name in doomed.values():
        try:
            core.delete_namespaced_pod(name, namespace)
        except ApiException as error:
            if error.status != 404:
                raise

    def gone() -> Observation:
        left = [
            str(p.metadata.name) for p in _pods(core, namespace) if str(p.metadata.uid) in doomed
        ]
        return Observation(not left, f"still there: {', '.join(left) or 'none'}")

    wait_for(gone, awaiting=f"pods of a rebuilt image in {namespace} replaced", timeout_s=timeout_s)
    return sorted(doomed.values())


def _pods(core: k8s.CoreV1Api, namespace: str) -> list[Any]:
    pods: list[Any] = core.list_namespaced_pod(namespace).items
    return pods
