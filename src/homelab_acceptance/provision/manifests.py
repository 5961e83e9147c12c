"""`manifests`: plain manifest directories and kustomize overlays, applied with server-side
apply through the Python client (field manager `homelab-acceptance`). Every object is labelled
with the component and the run, so destroy removes exactly what apply made."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import time
from typing import Any

import yaml
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import NotFoundError

from homelab_acceptance.errors import ConfigurationError, ProvisionError
from homelab_acceptance.kube_client import api_client_for
from homelab_acceptance.provision.component_namespace import COMPONENT_LABEL
from homelab_acceptance.provision.contract import ApplyReport, Provisioner
from homelab_acceptance.provision.settling import wait_workloads_settled
from homelab_acceptance.run_identity import LABEL
from homelab_acceptance.waiting import Observation, wait_for

FIELD_MANAGER = "homelab-acceptance"
# Objects others depend on go first (as Helm orders them); destroy runs in reverse.
KIND_ORDER = [
    "Namespace", "CustomResourceDefinition", "ServiceAccount", "ClusterRole",
    "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap", "Secret", "StorageClass",
    "PersistentVolumeClaim", "Service",
]  # fmt: skip
VOLATILE_METADATA = ("managedFields", "resourceVersion", "generation", "creationTimestamp", "uid")


def describe(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata", {})
    where = f"{meta['namespace']}/" if meta.get("namespace") else ""
    return f"{obj.get('kind')} {where}{meta.get('name')}"


class ManifestsProvisioner(Provisioner):
    name = "manifests"

    _dynamic_client: DynamicClient | None = None

    def _dynamic(self) -> DynamicClient:
        # API discovery takes a while: once per provisioner.
        if self._dynamic_client is None:
            self._dynamic_client = DynamicClient(api_client_for(self.cluster.kubeconfig_path))
        return self._dynamic_client

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

    def _resource(self, dynamic: DynamicClient, obj: dict[str, Any]) -> Any:
        return dynamic.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])

    def _namespace_of(self, resource: Any, obj: dict[str, Any]) -> str | None:
        if not resource.namespaced:
            return None
        return str(obj["metadata"].setdefault("namespace", self.component.namespace))

    def _live(self, dynamic: DynamicClient, obj: dict[str, Any]) -> dict[str, Any] | None:
        resource = self._resource(dynamic, obj)
        try:
            found = dynamic.get(
                resource, obj["metadata"]["name"], self._namespace_of(resource, obj)
            )
        except NotFoundError:
            return None
        live: dict[str, Any] = found.to_dict()
        return live

    def _server_side_apply(
        self,
        dynamic: DynamicClient,
        resource: Any,
        obj: dict[str, Any],
        namespace: str | None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        extra = {"dry_run": "All"} if dry_run else {}
        try:
            applied = dynamic.server_side_apply(
                resource, body=_with_default_protocols(obj), namespace=namespace,
                field_manager=FIELD_MANAGER, force_conflicts=True, **extra,
            )  # fmt: skip
        except ApiException as error:
            raise ProvisionError(
                f"component {self.component.name}: applying {describe(obj)} failed: "
                f"{_api_reason(error)}"
            ) from None
        result: dict[str, Any] = applied.to_dict()
        return result

    def apply(self) -> ApplyReport:
        started = time.monotonic()
        dynamic = self._dynamic()
        changes: list[str] = []
        unchanged: list[str] = []
        for obj in self.objects():
            resource = self._resource(dynamic, obj)
            namespace = self._namespace_of(resource, obj)
            before = self._live(dynamic, obj)
            after = self._server_side_apply(dynamic, resource, obj, namespace)
            if before is None:
                changes.append(f"{describe(obj)}: created")
            elif before["metadata"]["resourceVersion"] != after["metadata"]["resourceVersion"]:
                changes.append(f"{describe(obj)}: configured")
            else:
                unchanged.append(describe(obj))
        return ApplyReport(tuple(changes), tuple(unchanged), time.monotonic() - started)

    def wait_settled(self) -> None:
        api = api_client_for(self.cluster.kubeconfig_path)
        kinds = ("Deployment", "StatefulSet", "DaemonSet", "Job")
        workloads = [o for o in self.objects() if o["kind"] in kinds]
        for workload in workloads:  # all namespaced kinds
            workload["metadata"].setdefault("namespace", self.component.namespace)

        wait_workloads_settled(api, workloads, self.component)

    def drift(self) -> tuple[str, ...]:
        dynamic = self._dynamic()
        drifted: list[str] = []
        for obj in self.objects():
            live = self._live(dynamic, obj)
            if live is None:
                drifted.append(f"{describe(obj)}: missing")
                continue
            resource = self._resource(dynamic, obj)
            namespace = self._namespace_of(resource, obj)
            wanted = self._server_side_apply(dynamic, resource, obj, namespace, dry_run=True)
            if _comparable(wanted) != _comparable(live):
                drifted.append(f"{describe(obj)}: differs from the source")
        return tuple(drifted)

    def destroy(self) -> None:
        dynamic = self._dynamic()
        objects = list(reversed(self.objects()))
        for obj in objects:
            resource = self._resource(dynamic, obj)
            try:
                dynamic.delete(resource, obj["metadata"]["name"], self._namespace_of(resource, obj))
            except (NotFoundError, ApiException) as error:
                if getattr(error, "status", 404) != 404:
                    raise

        def look() -> Observation:
            remaining = [describe(o) for o in objects if self._live(dynamic, o) is not None]
            return Observation(not remaining, f"still present: {', '.join(remaining)}")

        wait_for(
            look, awaiting=f"component {self.component.name} removed", timeout_s=180, poll_s=0.5
        )


def _with_default_protocols(obj: dict[str, Any]) -> dict[str, Any]:
    """Ports with `protocol: TCP` where omitted, as the API server would default it: before
    Kubernetes 1.24 server-side apply rejects a port list whose key field `protocol` is
    missing ("associative list with keys has an element that omits key field")."""
    copied: dict[str, Any] = copy.deepcopy(obj)
    spec = copied.get("spec") or {}
    port_lists = [spec.get("ports") or []] if copied.get("kind") == "Service" else []
    pod = (spec.get("template") or {}).get("spec") or {}
    for container in [*(pod.get("containers") or []), *(pod.get("initContainers") or [])]:
        port_lists.append(container.get("ports") or [])
    for ports in port_lists:
        for port in ports:
            if isinstance(port, dict):
                port.setdefault("protocol", "TCP")
    return copied


def _api_reason(error: ApiException) -> str:
    """The API server's one-line message, never the request or response body whole."""
    try:
        message = json.loads(error.body or "{}").get("message", "")
    except ValueError:
        message = ""
    return " ".join(str(message or error.reason or error.status).split())[:300]


def _comparable(obj: dict[str, Any]) -> dict[str, Any]:
    """An object without the fields the server owns (status, bookkeeping metadata)."""
    trimmed = {key: value for key, value in obj.items() if key != "status"}
    metadata = {k: v for k, v in obj.get("metadata", {}).items() if k not in VOLATILE_METADATA}
    annotations = {
        k: v for k, v in (metadata.get("annotations") or {}).items()
        if k != "deployment.kubernetes.io/revision"
    }  # fmt: skip
    metadata["annotations"] = annotations
    trimmed["metadata"] = metadata
    return trimmed
