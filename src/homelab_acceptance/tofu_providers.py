"""The providers OpenTofu (and Terraform) modules get here without a registry: built from their
Go modules (go_programs) and laid out as a filesystem mirror, which the opentofu provisioner
names in the CLI config it hands the tool.

`homelab-acceptance tools install DIR` puts tofu into DIR and the mirror beside it, into
DIR/../share/homelab-acceptance/tofu-providers (a venv's share/ for .venv/bin). The mirror
holds each provider under both registries' host names, registry.opentofu.org (tofu's default
for `hashicorp/kubernetes`) and registry.terraform.io (terraform's), in the unpacked layout:
HOST/NAMESPACE/TYPE/VERSION/OS_ARCH/terraform-provider-TYPE_vVERSION."""

from __future__ import annotations

import filecmp
import os
import platform
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from homelab_acceptance.go_programs import TERRAFORM_PROVIDER_KUBERNETES, GoProgram, built_program

#: Where a mirror is looked for instead of beside the tool (override for tests and users).
MIRROR_ENV = "HOMELAB_ACCEPTANCE_TOFU_PROVIDERS"
REGISTRY_HOSTS = ("registry.opentofu.org", "registry.terraform.io")


@dataclass(frozen=True)
class MirroredProvider:
    program: GoProgram
    namespace: str
    type: str

    @property
    def version(self) -> str:
        return self.program.version.removeprefix("v")

    def addresses(self) -> tuple[str, ...]:
        return tuple(f"{host}/{self.namespace}/{self.type}" for host in REGISTRY_HOSTS)


PROVIDERS = (MirroredProvider(TERRAFORM_PROVIDER_KUBERNETES, "hashicorp", "kubernetes"),)


def mirror_beside(bin_dir: Path) -> Path:
    return bin_dir.parent / "share" / "homelab-acceptance" / "tofu-providers"


def find_mirror(tool: str) -> Path | None:
    """The mirror for `tool` (the path of tofu or terraform): the one MIRROR_ENV names, else
    the one `tools install` put beside the tool or beside the running Python (a terraform on
    PATH with the venv's mirror); None when there is none."""
    named = os.environ.get(MIRROR_ENV)
    if named:
        return Path(named) if Path(named).is_dir() else None
    for bin_dir in (Path(tool).parent, Path(sys.executable).parent):
        if mirror_beside(bin_dir).is_dir():
            return mirror_beside(bin_dir)
    return None


def mirrored_addresses(mirror: Path) -> tuple[str, ...]:
    """HOST/NAMESPACE/TYPE of each provider the mirror holds."""
    return tuple(
        sorted(
            "/".join(path.relative_to(mirror).parts)
            for path in mirror.glob("*/*/*")
            if path.is_dir()
        )
    )


def cli_config(mirror: Path) -> str:
    """A CLI config that installs the mirror's providers from it and any other the usual way
    (which fails here, with the tool's own message naming the provider)."""
    addresses = ", ".join(f'"{address}"' for address in mirrored_addresses(mirror))
    return (
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{mirror}"\n    include = [{addresses}]\n  }}\n'
        f"  direct {{\n    exclude = [{addresses}]\n  }}\n"
        "}\n"
    )


def _platform() -> str:
    machine = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    return f"{platform.system().lower()}_{machine}"


def install_providers(bin_dir: Path, show: Callable[[str], None] = print) -> bool:
    """Build the providers (cached) and lay them out in the mirror beside `bin_dir`; False
    when every one was there already."""
    mirror = mirror_beside(bin_dir)
    changed = False
    for provider in PROVIDERS:
        laid_out = False
        binary = f"terraform-provider-{provider.type}"
        built = built_program(provider.program, show) / binary
        for address in provider.addresses():
            folder = mirror / address / provider.version / _platform()
            installed = folder / f"{binary}_v{provider.version}"
            if installed.is_file() and filecmp.cmp(built, installed, shallow=False):
                continue
            folder.mkdir(parents=True, exist_ok=True)
            partial = folder / f".{binary}.partial"
            shutil.copy2(built, partial)
            partial.chmod(0o755)
            os.replace(partial, installed)
            laid_out = changed = True
        if laid_out:
            show(
                f"tools: installed the {provider.namespace}/{provider.type} provider "
                f"{provider.program.version} into {mirror} (built from its Go module)"
            )
    return changed
