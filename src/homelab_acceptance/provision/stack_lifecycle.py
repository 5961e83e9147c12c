"""A whole stack through its life: its images built (or found) locally and imported into the
node, each component applied and settled in the spec's order, a second apply and a drift look
to prove idempotence, and destroy in reverse order. Timings of every step are kept as
evidence for the report. What was applied is recorded on the cluster (stack_record.py), so on
a kept cluster only what changed is imported and applied again (`apply_changed`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import docker
from docker.errors import ImageNotFound

from homelab_acceptance.cluster.contract import Cluster
from homelab_acceptance.docker.local_images import build_local_image
from homelab_acceptance.errors import ConfigurationError, HomelabAcceptanceError, ProvisionError
from homelab_acceptance.kube.client import api_client_for
from homelab_acceptance.provision.contract import ApplyReport, Provisioner
from homelab_acceptance.provision.image_rollover import replace_pods_running
from homelab_acceptance.provision.registry import provisioner_for
from homelab_acceptance.provision.stack_record import StackRecord, component_fingerprint
from homelab_acceptance.run_identity import RunIdentity
from homelab_acceptance.spec import Component, Stack


@dataclass(frozen=True)
class ComponentOutcome:
    """What applying one component did, and how long applying and settling took."""

    component: str
    provisioner: str
    applied: ApplyReport
    settle_s: float
    #: When the component was last applied, if it was unchanged since and so not applied now.
    unchanged_since: str | None = None


@dataclass(frozen=True)
class ImagesOutcome:
    """Every image the stack needs (all in the node now), and those imported this time."""

    images: tuple[str, ...]
    build_s: float
    import_s: float
    imported: tuple[str, ...] = ()


class StackLifecycle:
    """Provisions `stack` onto `cluster`. Constructing one does no I/O."""

    def __init__(
        self,
        cluster: Cluster,
        stack: Stack,
        identity: RunIdentity,
        progress: Callable[[str], None] = print,
    ) -> None:
        self.cluster = cluster
        self.stack = stack
        self.identity = identity
        self.progress = progress
        self._provisioners: list[Provisioner] | None = None
        self._image_ids: dict[str, str] = {}
        #: Images imported again under a name the node had with another ID (rebuilt).
        self._rebuilt: set[str] = set()
        self._record: StackRecord | None = None
        #: The component being built or applied, while one is (who a failure is about).
        self.component_in_progress: str | None = None

    def record(self) -> StackRecord:
        """What the cluster has of this stack already (read once, updated as it changes)."""
        if self._record is None:
            api = api_client_for(self.cluster.kubeconfig_path)
            self._record = StackRecord(api, self.identity)
        return self._record

    def provisioners(self) -> list[Provisioner]:
        """One provisioner per component, in the spec's order (loaded once)."""
        if self._provisioners is None:
            self._provisioners = [
                provisioner_for(c.provisioner)(self.cluster, c, self.identity)
                for c in self.stack.components
            ]
        return self._provisioners

    def prepare_images(self, client: docker.DockerClient) -> ImagesOutcome:
        """Build every image that has a recipe, check the others are present locally, and
        import in one go those the node does not have yet (by image ID, as recorded)."""
        started = time.monotonic()
        wanted: dict[str, str] = {}
        for component in self.stack.components:
            self.component_in_progress = component.name
            for image in component.images:
                if image.build is not None:
                    self.progress(f"stack: building {image.name}")
                    build_local_image(client, image.build, image.name, self.progress)
                elif not _present(client, image.name):
                    raise ConfigurationError(
                        f"component {component.name}: image {image.name} is not present "
                        "locally and has no build recipe (docker load it, or give `build`)"
                    )
                wanted[image.name] = str(client.images.get(image.name).id)
        self.component_in_progress = None
        built = time.monotonic()
        in_node = self.record().images()
        missing = {name: id_ for name, id_ in wanted.items() if in_node.get(name) != id_}
        already = (
            f" ({len(wanted) - len(missing)} already there)" if len(missing) < len(wanted) else ""
        )
        self.progress(f"stack: importing {len(missing)} image(s) into the node{already}")
        self.cluster.import_images(list(missing))
        self.record().record_images(missing)
        self._image_ids = wanted
        self._rebuilt = {name for name in missing if name in in_node}
        return ImagesOutcome(
            tuple(wanted), built - started, time.monotonic() - built, tuple(missing)
        )

    def apply(self) -> list[ComponentOutcome]:
        """Apply and settle every component in order; the first that fails stops the run."""
        return [self._apply_one(provisioner) for provisioner in self.provisioners()]

    def apply_changed(self) -> list[ComponentOutcome]:
        """Apply and settle, in order, the components whose fingerprint differs from the one
        recorded on the cluster, and every component after the first of them (the spec's
        order is its order of dependence); the others are left as they are."""
        outcomes = []
        changed_before = False
        for provisioner in self.provisioners():
            component = provisioner.component
            applied = self.record().applied(component.name)
            if (
                changed_before
                or applied is None
                or applied.fingerprint != self._fingerprint(component)
            ):
                changed_before = True
                outcomes.append(self._apply_one(provisioner))
                continue
            self.progress(
                f"stack: {component.name} unchanged since {applied.applied_at}, not re-applied"
            )
            outcomes.append(
                ComponentOutcome(
                    component.name,
                    component.provisioner,
                    ApplyReport((), (), 0.0),
                    0.0,
                    unchanged_since=applied.applied_at,
                )
            )
        return outcomes

    def _fingerprint(self, component: Component) -> str:
        return component_fingerprint(component, self._image_ids)

    def _apply_one(self, provisioner: Provisioner) -> ComponentOutcome:
        component = provisioner.component
        self.component_in_progress = component.name
        self.progress(f"stack: applying {component.name} ({component.provisioner})")
        applied = provisioner.apply()
        started = time.monotonic()
        self._replace_pods_of_rebuilt_images(component)
        provisioner.wait_settled()
        settle_s = time.monotonic() - started
        self.progress(
            f"stack: {component.name} settled ({applied.seconds:.1f}s apply, "
            f"{settle_s:.1f}s settle, {len(applied.changes)} change(s))"
        )
        self.record().record_applied(component.name, self._fingerprint(component))
        self.component_in_progress = None
        return ComponentOutcome(component.name, component.provisioner, applied, settle_s)

    def _replace_pods_of_rebuilt_images(self, component: Component) -> None:
        rebuilt = self._rebuilt & {image.name for image in component.images}
        if not rebuilt:
            return
        api = api_client_for(self.cluster.kubeconfig_path)
        timeout_s = component.settle_timeout_s
        replaced = replace_pods_running(api, component.namespace, rebuilt, timeout_s)
        self.progress(
            f"stack: {component.name}: image {', '.join(sorted(rebuilt))} rebuilt, "
            f"replaced pod(s) {', '.join(replaced) or 'none'}"
        )

    def drift(self) -> dict[str, tuple[str, ...]]:
        """Per component, what differs from its source; empty tuples when in sync."""
        return {p.component.name: p.drift() for p in self.provisioners()}

    def destroy(self) -> None:
        """Destroy every component in reverse order. One failing does not stop the others;
        the failures are raised together afterwards."""
        failures = []
        for provisioner in reversed(self.provisioners()):
            self.progress(f"stack: destroying {provisioner.component.name}")
            try:
                provisioner.destroy()
            except HomelabAcceptanceError as error:
                failures.append(str(error))
        if failures:
            raise ProvisionError("destroy left work undone: " + "; ".join(failures))
        self.record().remove()


def _present(client: docker.DockerClient, image: str) -> bool:
    try:
        client.images.get(image)
    except ImageNotFound:
        return False
    return True
