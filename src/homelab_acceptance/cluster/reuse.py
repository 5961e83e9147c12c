"""`--reuse-cluster NAME`: the Cluster object of a kept node container, attached instead of
created. It keeps the kept run's identity (names, labels, work dir with its kubeconfig and
OpenTofu state), so the stack provisioned on it is recognised as the same stack."""

from __future__ import annotations

from collections.abc import Callable

from homelab_acceptance.cluster.container_cluster import ContainerCluster
from homelab_acceptance.cluster.kept import find_kept
from homelab_acceptance.cluster.providers import PROVIDERS, provider_class
from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.errors import ConfigurationError
from homelab_acceptance.run_identity import Owner, RunIdentity


def reuse_kept_cluster(name: str, progress: Callable[[str], None] = print) -> ContainerCluster:
    """The kept cluster `name` ("" for the most recent), attached and Ready."""
    kept = find_kept(connect_docker(), name)
    return attach_cluster(kept.run_id, kept.provider, progress)


def attach_cluster(
    run_id: str, provider: str, progress: Callable[[str], None] = print
) -> ContainerCluster:
    """The node container of run `run_id` (a kept one, or the one a pytest-xdist controller
    made for its workers), attached and Ready; attaching never removes it."""
    if provider not in PROVIDERS:
        raise ConfigurationError(f"cluster of run {run_id}: unknown provider {provider}://")
    cluster_class = provider_class(provider)
    identity = RunIdentity(run_id, Owner.current())
    cluster: ContainerCluster = cluster_class(identity, keep=True, progress=progress)
    cluster.attach()
    return cluster
