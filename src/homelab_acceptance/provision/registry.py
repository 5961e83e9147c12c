"""Finding provisioners by name through the entry-point group `homelab_acceptance.provisioners`."""

from __future__ import annotations

from importlib.metadata import entry_points

from homelab_acceptance.errors import ConfigurationError
from homelab_acceptance.provision.contract import Provisioner
from homelab_acceptance.spec import PROVISIONER_GROUP as GROUP


def available_provisioners() -> list[str]:
    return sorted({entry.name for entry in entry_points(group=GROUP)})


def provisioner_for(name: str) -> type[Provisioner]:
    """The provisioner class registered as `name`."""
    found = [entry for entry in entry_points(group=GROUP) if entry.name == name]
    if not found:
        raise ConfigurationError(
            f"no provisioner {name!r} (installed: {', '.join(available_provisioners()) or 'none'})"
        )
    loaded = found[0].load()
    if not (isinstance(loaded, type) and issubclass(loaded, Provisioner)):
        raise ConfigurationError(f"provisioner {name!r} ({found[0].value}) is not a Provisioner")
    return loaded
