"""Provisioners: each applies one component's source to a cluster, waits until it settles,
shows it is idempotent, detects drift, and destroys it. Found through the entry-point group
`homelab_acceptance.provisioners`, built-ins included, so a third party adds one the same way."""

from homelab_acceptance.provision.contract import ApplyReport, Provisioner
from homelab_acceptance.provision.registry import available_provisioners, provisioner_for

__all__ = ["ApplyReport", "Provisioner", "available_provisioners", "provisioner_for"]
