"""`manifests`: plain manifest directories and kustomize overlays, applied with server-side
apply through the Python client (field manager `homelab-acceptance`). Every object is labelled
with the component and the run, so destroy removes exactly what apply made."""

from __future__ import annotations

import shutil
import subprocess
from functools import cached_property
from typing import Any

import yaml

from homelab_acceptance.errors import ConfigurationError
from homelab_acceptance.kube.client import api_client_for
from homelab_acceptance.provision.component_namespace import COMPONENT_LABEL
from homelab_acceptance.provision.contract import ApplyReport, Provisioner
from homelab_acceptance.provision.live_objects import ApplyTally, LiveObjects, describe
from homelab_acceptance.provision.settling import WORKLOAD_KINDS, wait_workloads_settled
from homelab_acceptance.run_identity import LABEL
from homelab_acceptance.waiting import Observation, wait_for

# Objects others depend on go first (as Helm orders them); destroy runs in reverse.
KIND_ORDER = [
    "Namespace", "CustomResourceDefinition", "ServiceAccount", "ClusterRole",
    "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap", "Secret", "StorageClass",
    "PersistentVolumeClaim", "Service",
]  # fmt: skip


class ManifestsProvisioner(Provisioner):
    name = "manifests"

    @cached_property
    def _live(self) -> LiveObjects:
        return LiveObjects(self.cluster.kubeconfig_path, self.component)

    def objects(self) -> list[dict[str, Any]]:
        """The source's objects, labelled, namespaced, in apply order."""
        documents = [d for d in yaml.safe_load_all(self._render()) if isinstance(d, dict)]
        for document in documents:
            labels = document.setdefault("metadata", {}).setdefault("labels", {})
            labels[COMPONENT_LABEL] = self.component.name
            labels[LABEL] = self.identity.run_id
        namespace = {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": self.component.namespace, "labels": {
                COMPONENT_LABEL: self.component.name, LABEL: self.identity.run_id}},
        }  # fmt: skip
        documents.insert(0, namespace)
        order = {kind: index for index, kind in enumerate(KIND_ORDER)}
        return sorted(documents, key=lambda d: order.get(str(d.get("kind")), len(order)))

    def _render(self) -> str:
        source = self.component.local_source()
        if (source / "kustomization.yaml").is_file() or (source / "kustomization.yml").is_file():
            kubectl = shutil.which("kubectl")
            if kubectl is None:
                raise ConfigurationError(
                    f"component {self.component.name}: {source} is a kustomize overlay, and "
                    "rendering it needs kubectl on PATH"
                )
            result = subprocess.run(
                [kubectl, "kustomize", str(source)], capture_output=True, text=True, check=False
            )
            if result.returncode != 0:
                last = (result.stderr.strip().splitlines() or ["no output"])[-1]
                raise ConfigurationError(f"component {self.component.name}: kustomize: {last}")
            return result.stdout
        files = (
            sorted([*source.glob("*.yaml"), *source.glob("*.yml")]) if source.is_dir() else [source]
        )
        return "\n---\n".join(path.read_text() for path in files)

    def apply(self) -> ApplyReport:
        tally = ApplyTally()
        for obj in self.objects():
            before = self._live.resource_version(obj)
            after = self._live.server_side_apply(obj)["metadata"]["resourceVersion"]
            tally.record(obj, before, after)
            if obj["kind"] == "CustomResourceDefinition":
                self._live.await_served(obj)  # its objects may come next
        return tally.report()

    def wait_settled(self) -> None:
        api = api_client_for(self.cluster.kubeconfig_path)
        workloads = [o for o in self.objects() if o["kind"] in WORKLOAD_KINDS]
        for workload in workloads:  # all namespaced kinds
            workload["metadata"].setdefault("namespace", self.component.namespace)

        wait_workloads_settled(api, workloads, self.component)

    def drift(self) -> tuple[str, ...]:
        live = self._live
        return tuple(d for d in (live.drift(obj) for obj in self.objects()) if d is not None)

    def destroy(self) -> None:
        live = self._live
        objects = list(reversed(self.objects()))
        for obj in objects:
            live.delete(obj)

        def look() -> Observation:
            remaining = [describe(o) for o in objects if live.get(o) is not None]
            return Observation(not remaining, f"still present: {', '.join(remaining)}")

        wait_for(
            look, awaiting=f"component {self.component.name} removed", timeout_s=180, poll_s=0.5
        )
