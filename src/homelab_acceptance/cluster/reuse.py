"""`--reuse-cluster NAME`: the Cluster object of a kept node container, attached instead of
created. It keeps the kept run's identity (names, labels, work dir with its kubeconfig and
OpenTofu state), so the stack provisioned on it is recognised as the same stack."""

from __future__ import annotations

from collections.abc import Callable

from homelab_acceptance.cluster.container_cluster import ContainerCluster
from homelab_acceptance.cluster.kept import find_kept
from homelab_acceptance.cluster.providers import PROVIDERS, provider_class
from homelab_acceptance.docker_engine import connect_docker
from homelab_acceptance.errors import ConfigurationError
from homelab_acceptance.run_identity import Owner, RunIdentity


def reuse_kept_cluster(name: str, progress: Callable[[str], None] = print) -> ContainerCluster:
    """The kept cluster `name` ("" for the most recent), attached and Ready."""
    kept = find_kept(connect_docker(), name)
    if kept.provider not in PROVIDERS:
        raise ConfigurationError(f"kept cluster {kept.name}: unknown provider {kept.provider}://")
    cluster_class = provider_class(kept.provider)
    identity = RunIdentity(kept.run_id, Owner.current())
    cluster: ContainerCluster = cluster_class(identity, keep=True, progress=progress)
    cluster.attach()
    return cluster
