"""The `debian://` node image: a single-node Kubernetes built only from Debian's packages."""

from homelab_acceptance.node_image.build import NodeImage, ensure_node_image

__all__ = ["NodeImage", "ensure_node_image"]
