"""The harness's probe image: Debian's busybox-static (sh, wget, nslookup, httpd) in an image
of its own, built locally and imported into the node, for checks made from inside the
cluster (an endpoint through cluster DNS and the Service's ClusterIP)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import docker

from homelab_acceptance.docker.local_images import build_local_image

PROBE_IMAGE = "homelab-acceptance/busybox:1.35"
RECIPE = Path(__file__).parent


def build_probe_image(client: docker.DockerClient, progress: Callable[[str], None] = print) -> str:
    """Build (or find in Docker's layer cache) the probe image; its tag."""
    return build_local_image(client, RECIPE, PROBE_IMAGE, progress)
