"""What every provisioner does, whatever tool it drives."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from homelab_acceptance.cluster.contract import Cluster
from homelab_acceptance.run_identity import RunIdentity
from homelab_acceptance.spec import Component


@dataclass(frozen=True)
class ApplyReport:
    """What one apply did, object by object ("Deployment apps/web: created"), and how long."""

    changes: tuple[str, ...]
    unchanged: tuple[str, ...]
    seconds: float

    @property
    def changed_anything(self) -> bool:
        return bool(self.changes)


class Provisioner(ABC):
    """Applies one component. Constructing one does no I/O."""

    #: The name stack.yaml uses for it (the entry point's name).
    name: ClassVar[str]

    def __init__(self, cluster: Cluster, component: Component, identity: RunIdentity) -> None:
        self.cluster = cluster
        self.component = component
        self.identity = identity

    @abstractmethod
    def apply(self) -> ApplyReport:
        """Apply the component's source; a second apply of an unchanged source changes nothing."""

    @abstractmethod
    def wait_settled(self) -> None:
        """Return when what was applied has settled (rollouts complete, jobs done), or raise
        WaitTimeout naming what did not settle and why, within the component's deadline."""

    @abstractmethod
    def drift(self) -> tuple[str, ...]:
        """What differs between the source and the cluster, by the tool's own means; empty
        when in sync."""

    @abstractmethod
    def destroy(self) -> None:
        """Remove what apply created and wait until it is gone."""
