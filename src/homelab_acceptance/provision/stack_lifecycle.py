"""A whole stack through its life: its images built (or found) locally and imported into the
node, each component applied and settled in the spec's order, a second apply and a drift look
to prove idempotence, and destroy in reverse order. Timings of every step are kept as
evidence for the report."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import docker
from docker.errors import ImageNotFound

from homelab_acceptance.cluster.contract import Cluster
from homelab_acceptance.errors import ConfigurationError, HomelabAcceptanceError, ProvisionError
from homelab_acceptance.local_images import build_local_image
from homelab_acceptance.provision.contract import ApplyReport, Provisioner
from homelab_acceptance.provision.registry import provisioner_for
from homelab_acceptance.run_identity import RunIdentity
from homelab_acceptance.spec import Stack


@dataclass(frozen=True)
class ComponentOutcome:
    """What applying one component did, and how long applying and settling took."""

    component: str
    provisioner: str
    applied: ApplyReport
    settle_s: float


@dataclass(frozen=True)
class ImagesOutcome:
    images: tuple[str, ...]
    build_s: float
    import_s: float


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
        import them all into the node in one go."""
        started = time.monotonic()
        wanted: dict[str, str] = {}
        for component in self.stack.components:
            for image in component.images:
                if image.build is not None:
                    self.progress(f"stack: building {image.name}")
                    build_local_image(client, image.build, image.name, self.progress)
                elif not _present(client, image.name):
                    raise ConfigurationError(
                        f"component {component.name}: image {image.name} is not present "
                        "locally and has no build recipe (docker load it, or give `build`)"
                    )
                wanted[image.name] = component.name
        built = time.monotonic()
        self.progress(f"stack: importing {len(wanted)} image(s) into the node")
        self.cluster.import_images(list(wanted))
        return ImagesOutcome(tuple(wanted), built - started, time.monotonic() - built)

    def apply(self) -> list[ComponentOutcome]:
        """Apply and settle every component in order; the first that fails stops the run."""
        outcomes = []
        for provisioner in self.provisioners():
            component = provisioner.component
            self.progress(f"stack: applying {component.name} ({component.provisioner})")
            applied = provisioner.apply()
            started = time.monotonic()
            provisioner.wait_settled()
            settle_s = time.monotonic() - started
            self.progress(
                f"stack: {component.name} settled ({applied.seconds:.1f}s apply, "
                f"{settle_s:.1f}s settle, {len(applied.changes)} change(s))"
            )
            outcomes.append(
                ComponentOutcome(component.name, component.provisioner, applied, settle_s)
            )
        return outcomes

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


def _present(client: docker.DockerClient, image: str) -> bool:
    try:
        client.images.get(image)
    except ImageNotFound:
        return False
    return True
