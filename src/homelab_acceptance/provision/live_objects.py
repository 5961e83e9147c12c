"""Kubernetes objects read, applied and compared through the dynamic client: what the
provisioners that know their objects (manifests, helm) share to report what an apply changed
and to find drift by a server-side dry-run apply."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import NotFoundError, ResourceNotFoundError

from homelab_acceptance.errors import ProvisionError, WaitTimeout
from homelab_acceptance.kube.client import api_client_for
from homelab_acceptance.provision.contract import ApplyReport
from homelab_acceptance.spec import Component
from homelab_acceptance.waiting import Observation, wait_for

FIELD_MANAGER = "homelab-acceptance"
VOLATILE_METADATA = ("managedFields", "resourceVersion", "generation", "creationTimestamp", "uid")


def describe(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata", {})
    where = f"{meta['namespace']}/" if meta.get("namespace") else ""
    return f"{obj.get('kind')} {where}{meta.get('name')}"


class LiveObjects:
    """One component's objects on one cluster. Namespaced objects without a namespace land in
    the component's. Constructing one does no I/O; API discovery happens once, on first use."""

    def __init__(self, kubeconfig: Path, component: Component) -> None:
        self.kubeconfig = kubeconfig
        self.component = component
        self._dynamic_client: DynamicClient | None = None

    def dynamic(self) -> DynamicClient:
        if self._dynamic_client is None:
            self._dynamic_client = DynamicClient(api_client_for(self.kubeconfig))
        return self._dynamic_client

    def resource(self, obj: dict[str, Any]) -> Any:
        try:
            return self.dynamic().resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
        except ResourceNotFoundError:
            raise _KindNotServed(
                f"component {self.component.name}: the API serves no kind {obj['kind']} in "
                f"{obj['apiVersion']} (for {describe(obj)}): is its CustomResourceDefinition "
                "part of the stack?"
            ) from None

    def await_served(self, definition: dict[str, Any]) -> None:
        """Wait until a just-applied CustomResourceDefinition is established, so that objects
        of its kind can be applied next; a definition whose names the API refused is said at
        once."""
        name = definition["metadata"]["name"]

        def look() -> Observation:
            live = self.get(definition) or {}
            conditions = {c["type"]: c for c in (live.get("status") or {}).get("conditions") or []}
            established = conditions.get("Established", {})
            refused = conditions.get("NamesAccepted", {}).get("status") == "False"
            named = conditions.get("NamesAccepted", {}) if refused else established
            seen = f"{named.get('type', 'Established')}={named.get('status', 'not yet')}"
            seen += f" ({named['message']})" if named.get("message") else ""
            return Observation(established.get("status") == "True", seen, hopeless=refused)

        try:
            wait_for(look, awaiting=f"CustomResourceDefinition {name} established", timeout_s=60)
        except WaitTimeout as error:
            raise ProvisionError(f"component {self.component.name}: {error}") from None
        self.dynamic().resources.invalidate_cache()

    def namespace_of(self, obj: dict[str, Any]) -> str | None:
        """The object's namespace (set on `obj` when it had none), None when cluster-scoped."""
        if not self.resource(obj).namespaced:
            return None
        return str(obj["metadata"].setdefault("namespace", self.component.namespace))

    def get(self, obj: dict[str, Any]) -> dict[str, Any] | None:
        """The live object, or None when there is none (also when its kind is no longer served:
        its definition was deleted)."""
        try:
            found = self.dynamic().get(
                self.resource(obj), obj["metadata"]["name"], self.namespace_of(obj)
            )
        except (NotFoundError, _KindNotServed):
            return None
        live: dict[str, Any] = found.to_dict()
        return live

    def resource_version(self, obj: dict[str, Any]) -> str | None:
        live = self.get(obj)
        return None if live is None else str(live["metadata"]["resourceVersion"])

    def server_side_apply(self, obj: dict[str, Any], dry_run: bool = False) -> dict[str, Any]:
        extra = {"dry_run": "All"} if dry_run else {}
        try:
            applied = self.dynamic().server_side_apply(
                self.resource(obj), body=obj,
                namespace=self.namespace_of(obj), field_manager=FIELD_MANAGER,
                force_conflicts=True, **extra,
            )  # fmt: skip
        except ApiException as error:
            raise ProvisionError(
                f"component {self.component.name}: applying {describe(obj)} failed: "
                f"{_api_reason(error)}"
            ) from None
        result: dict[str, Any] = applied.to_dict()
        return result

    def drift(self, obj: dict[str, Any]) -> str | None:
        """How the live object differs from `obj` (a server-side dry-run apply of `obj`
        compared with the live object), None when it does not."""
        live = self.get(obj)
        if live is None:
            return f"{describe(obj)}: missing"
        wanted = self.server_side_apply(obj, dry_run=True)
        if _comparable(wanted) != _comparable(live):
            return f"{describe(obj)}: differs from the source"
        return None

    def delete(self, obj: dict[str, Any]) -> None:
        """Delete the object; one already gone (or whose kind is gone) is fine."""
        try:
            self.dynamic().delete(
                self.resource(obj), obj["metadata"]["name"], self.namespace_of(obj)
            )
        except _KindNotServed:
            return
        except (NotFoundError, ApiException) as error:
            if getattr(error, "status", 404) != 404:
                raise


class _KindNotServed(ProvisionError):
    """An object's kind is not served by the API (no CustomResourceDefinition defines it)."""


class ApplyTally:
    """The ApplyReport of one apply, built object by object from resourceVersions taken before
    and after: a new version means "configured", none before means "created"."""

    def __init__(self, changes: list[str] | None = None) -> None:
        self.started = time.monotonic()
        self.changes = list(changes or [])
        self.unchanged: list[str] = []

    def record(self, obj: dict[str, Any], before: str | None, after: str | None) -> None:
        if before is None:
            self.changes.append(f"{describe(obj)}: created")
        elif before != after:
            self.changes.append(f"{describe(obj)}: configured")
        else:
            self.unchanged.append(describe(obj))

    def report(self) -> ApplyReport:
        seconds = time.monotonic() - self.started
        return ApplyReport(tuple(self.changes), tuple(self.unchanged), seconds)


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
