"""The provider mirror beside tofu: where it is found, what the CLI config handed to the tool
names (the mirror's providers from it, nothing else from it), and that terraform's registry
host is served as well as tofu's."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from homelab_acceptance.tofu_providers import (
    MIRROR_ENV,
    PROVIDERS,
    cli_config,
    find_mirror,
    mirror_beside,
    mirrored_addresses,
)


def _mirror_with_kubernetes(mirror: Path) -> None:
    for host in ("registry.opentofu.org", "registry.terraform.io"):
        folder = mirror / host / "hashicorp" / "kubernetes" / "1.13.4" / "linux_amd64"
        folder.mkdir(parents=True)
        (folder / "terraform-provider-kubernetes_v1.13.4").write_bytes(b"")


def test_the_mirror_is_found_beside_the_tool_tools_install_put_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python-elsewhere" / "python"))
    tofu = tmp_path / "venv" / "bin" / "tofu"
    assert find_mirror(str(tofu)) is None
    mirror = mirror_beside(tofu.parent)
    assert mirror == tmp_path / "venv" / "share" / "homelab-acceptance" / "tofu-providers"
    _mirror_with_kubernetes(mirror)
    assert find_mirror(str(tofu)) == mirror


def test_a_terraform_elsewhere_gets_the_mirror_beside_the_running_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "venv" / "bin" / "python"))
    mirror = mirror_beside(tmp_path / "venv" / "bin")
    _mirror_with_kubernetes(mirror)
    assert find_mirror("/usr/local/bin/terraform") == mirror


def test_a_mirror_named_in_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "providers"
    _mirror_with_kubernetes(elsewhere)
    _mirror_with_kubernetes(mirror_beside(tmp_path / "bin"))
    monkeypatch.setenv(MIRROR_ENV, str(elsewhere))
    assert find_mirror(str(tmp_path / "bin" / "tofu")) == elsewhere


def test_the_cli_config_takes_the_mirrors_providers_from_it_and_only_those(
    tmp_path: Path,
) -> None:
    _mirror_with_kubernetes(tmp_path)
    assert mirrored_addresses(tmp_path) == (
        "registry.opentofu.org/hashicorp/kubernetes",
        "registry.terraform.io/hashicorp/kubernetes",
    )
    both = (
        '["registry.opentofu.org/hashicorp/kubernetes", '
        '"registry.terraform.io/hashicorp/kubernetes"]'
    )
    assert cli_config(tmp_path) == (
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{tmp_path}"\n'
        f"    include = {both}\n"
        "  }\n"
        "  direct {\n"
        f"    exclude = {both}\n"
        "  }\n"
        "}\n"
    )


def test_each_provider_is_mirrored_under_both_registries_host_names() -> None:
    assert [provider.addresses() for provider in PROVIDERS] == [
        ("registry.opentofu.org/hashicorp/kubernetes", "registry.terraform.io/hashicorp/kubernetes")
    ]
    assert PROVIDERS[0].version == "1.13.4"
