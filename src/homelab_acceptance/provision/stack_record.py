"""What a cluster already has of a stack, recorded on the cluster itself, so a run on a kept
cluster (`--reuse-cluster`) applies only what changed: one labelled ConfigMap in kube-system
holding, per component, the fingerprint it was applied with and when, and the IDs of the images
imported into the node.

A component's fingerprint covers its spec entry (but not its expectations: checking differently
needs no re-apply), every file of its source, its values files, and the IDs of its images (a
rebuilt recipe is a change even under the same tag).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from homelab_acceptance.run_identity import LABEL, RunIdentity
from homelab_acceptance.spec import Component, Expectations

RECORD_NAMESPACE = "kube-system"
RECORD_NAME = "homelab-acceptance-stack"
IMAGES_KEY = "images"


@dataclass(frozen=True)
class AppliedComponent:
    fingerprint: str
    applied_at: str


def _files_of(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file())
    return [path] if path.is_file() else []


def component_fingerprint(component: Component, image_ids: dict[str, str]) -> str:
    """A digest of everything that decides what applying `component` does."""
    digest = hashlib.sha256(repr(dataclasses.replace(component, expect=Expectations())).encode())
    roots = [component.source] if component.source is not None else []
    for root in [*roots, *component.values]:
        for file in _files_of(root):
            digest.update(str(file.relative_to(root) if file != root else file.name).encode())
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    for image in component.images:
        digest.update(f"{image.name}={image_ids.get(image.name, '')}".encode())
    return digest.hexdigest()


class StackRecord:
    """The record ConfigMap of one cluster. Constructing one does no I/O."""

    def __init__(self, api: k8s.ApiClient, identity: RunIdentity) -> None:
        self._core = k8s.CoreV1Api(api)
        self._identity = identity
        self._data: dict[str, str] | None = None

    def _load(self) -> dict[str, str]:
        if self._data is None:
            try:
                found = self._core.read_namespaced_config_map(RECORD_NAME, RECORD_NAMESPACE)
                self._data = dict(found.data or {})
            except ApiException as error:
                if error.status != 404:
                    raise
                self._data = {}
        return self._data

    def applied(self, component: str) -> AppliedComponent | None:
        text = self._load().get(f"component.{component}")
        return None if text is None else AppliedComponent(**json.loads(text))

    def images(self) -> dict[str, str]:
        """Image name -> ID, as imported into the node."""
        loaded: dict[str, str] = json.loads(self._load().get(IMAGES_KEY, "{}"))
        return loaded

    def record_applied(self, component: str, fingerprint: str) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self._save(
            {
                f"component.{component}": json.dumps(
                    dataclasses.asdict(AppliedComponent(fingerprint, now))
                )
            }
        )

    def record_images(self, image_ids: dict[str, str]) -> None:
        self._save({IMAGES_KEY: json.dumps({**self.images(), **image_ids}, sort_keys=True)})

    def remove(self) -> None:
        try:
            self._core.delete_namespaced_config_map(RECORD_NAME, RECORD_NAMESPACE)
        except ApiException as error:
            if error.status != 404:
                raise
        self._data = {}

    def _save(self, entries: dict[str, str]) -> None:
        data = {**self._load(), **entries}
        try:
            self._core.patch_namespaced_config_map(RECORD_NAME, RECORD_NAMESPACE, {"data": entries})
        except ApiException as error:
            if error.status != 404:
                raise
            body = k8s.V1ConfigMap(
                metadata=k8s.V1ObjectMeta(name=RECORD_NAME, labels={LABEL: self._identity.run_id}),
                data=data,
            )
            self._core.create_namespaced_config_map(RECORD_NAMESPACE, body)
        self._data = data
