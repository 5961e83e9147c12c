"""Writing the host's kubeconfig: the node's admin kubeconfig, pointed at the published port."""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from homelab_acceptance.errors import ClusterError

_PEM_FIELDS = ("certificate-authority-data", "client-certificate-data", "client-key-data")


def point_at_host_port(kubeconfig_text: str, host_port: int) -> str:
    """The kubeconfig with every cluster's server set to https://127.0.0.1:<host_port>.

    Raises ClusterError when the text is not a whole kubeconfig: a file read while the node was
    still writing it may parse as YAML and yet end in the middle of a certificate.
    """
    try:
        config: Any = yaml.safe_load(kubeconfig_text)
    except yaml.YAMLError as error:
        raise ClusterError(f"the node's kubeconfig is not YAML ({error})") from None
    try:
        for entry in config["clusters"]:
            entry["cluster"]["server"] = f"https://127.0.0.1:{host_port}"
            _require_whole_pem(entry["cluster"])
        for entry in config["users"]:
            _require_whole_pem(entry["user"])
    except (TypeError, KeyError) as error:
        raise ClusterError(
            f"the node's kubeconfig has no clusters[].cluster / users[].user ({error})"
        ) from None
    return str(yaml.safe_dump(config, sort_keys=False))


def _require_whole_pem(section: dict[str, Any]) -> None:
    for field in _PEM_FIELDS:
        if field not in section:
            continue
        try:
            pem = base64.b64decode(str(section[field]), validate=True)
        except binascii.Error:
            pem = b""
        if not pem.rstrip().endswith(b"-----"):
            raise ClusterError(f"the node's kubeconfig has an incomplete {field}")


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by the owner only (it holds a client key). Atomically:
    the pytest-xdist workers sharing a cluster each rewrite its kubeconfig as they attach,
    while the others read it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, staging = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)  # 0600
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
