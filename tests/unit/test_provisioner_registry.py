from __future__ import annotations

import pytest

from homelab_acceptance.errors import ConfigurationError
from homelab_acceptance.provision import available_provisioners, provisioner_for
from homelab_acceptance.provision.manifests import ManifestsProvisioner


def test_builtins_are_found_through_the_entry_point_group() -> None:
    assert "manifests" in available_provisioners()
    assert provisioner_for("manifests") is ManifestsProvisioner


def test_an_unknown_provisioner_names_the_installed_ones() -> None:
    with pytest.raises(
        ConfigurationError, match=r"no provisioner 'pulumi' \(installed: .*manifests"
    ):
        provisioner_for("pulumi")
