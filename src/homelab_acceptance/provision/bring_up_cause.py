"""Whose doing it is that a stack did not come up. A stack that does not come up is a rejected
stack (exit 1): a container that crashes, an image the stack names but does not have, a pod
the node cannot fit. Only what the harness or the machine caused makes the run one that could
not run (exit 2): the Docker engine gone, its disk full, the node not Ready, a registry that
cannot be reached, a provisioner's tool not installed, the harness's own tools; this module
tells which."""

from __future__ import annotations

import re

from homelab_acceptance.docker.disk_full import says_disk_full
from homelab_acceptance.errors import (
    ClusterError,
    DockerUnavailableError,
    HomelabAcceptanceError,
    MissingToolError,
    NodeImageBuildError,
    ToolInstallError,
)

#: The node's taints while it is not Ready, as the scheduler quotes them in a pod's condition.
_NODE_NOT_READY = re.compile(r"node\.kubernetes\.io/(not-ready|unreachable)")
#: A pull that failed on the way to the registry (not an image the registry does not have).
_REGISTRY_UNREACHABLE = re.compile(
    r"(ErrImagePull|ImagePullBackOff|pull).*(dial tcp|no such host|connection refused|"
    r"i/o timeout|TLS handshake timeout|toomanyrequests|429 Too Many Requests|"
    r"server misbehaving|network is unreachable)",
    re.IGNORECASE,
)


#: The harness's and the machine's errors, by type, and what each says about the run.
_BY_TYPE: tuple[tuple[type[HomelabAcceptanceError], str], ...] = (
    (DockerUnavailableError, "the Docker engine does not answer"),
    (MissingToolError, "a tool the provisioner runs is not installed"),
    (ClusterError, "the cluster failed"),
    (NodeImageBuildError, "the harness's own tools failed"),
    (ToolInstallError, "the harness's own tools failed"),
)


def harness_or_machine_cause(error: HomelabAcceptanceError) -> str | None:
    """What the harness or the machine did to keep the stack from coming up, in a few words;
    None when the stack did it."""
    text = str(error)
    if says_disk_full(text):
        return "the machine's disk is full"
    for kind, cause in _BY_TYPE:
        if isinstance(error, kind):
            return cause
    if _NODE_NOT_READY.search(text):
        return "the node is not Ready"
    if _REGISTRY_UNREACHABLE.search(text):
        return "a registry could not be reached for a pull"
    return None
