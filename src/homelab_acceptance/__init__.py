"""homelab-acceptance: prove a single-node K3S homelab works; measure where one node falls short."""

from homelab_acceptance.cluster import Cluster, open_cluster
from homelab_acceptance.errors import HomelabAcceptanceError

__all__ = ["Cluster", "HomelabAcceptanceError", "open_cluster"]
__version__ = "0.1.0"
