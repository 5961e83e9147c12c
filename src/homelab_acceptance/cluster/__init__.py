"""Cluster providers: turn a cluster spec (a URL) into a running single-node `Cluster`."""

from homelab_acceptance.cluster.contract import Cluster
from homelab_acceptance.cluster.providers import DEFAULT_SPEC, open_cluster, parse_spec

__all__ = ["DEFAULT_SPEC", "Cluster", "open_cluster", "parse_spec"]
