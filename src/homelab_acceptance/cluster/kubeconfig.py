"""Writing the host's kubeconfig: the node's admin kubeconfig, pointed at the published port."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from homelab_acceptance.errors import ClusterError


def point_at_host_port(kubeconfig_text: str, host_port: int) -> str:
    """The kubeconfig with every cluster's server set to https://127.0.0.1:<host_port>."""
    config: Any = yaml.safe_load(kubeconfig_text)
    try:
        clusters = config["clusters"]
        for entry in clusters:
            entry["cluster"]["server"] = f"https://127.0.0.1:{host_port}"
    except (TypeError, KeyError) as error:
        raise ClusterError(f"the node's kubeconfig has no clusters[].cluster ({error})") from None
    return str(yaml.safe_dump(config, sort_keys=False))


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by the owner only (it holds a client key)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o600)
