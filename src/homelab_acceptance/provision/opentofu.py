"""`opentofu`: a module directory applied with `tofu` (`homelab-acceptance tools install` builds
it from OpenTofu's Go module), or `terraform` where OpenTofu is absent.

State is kept per run and component: the module is copied into the run's work dir
(`<workdirs_root>/<run id>/opentofu/<component>`, which the reaper removes with the run) and the
tool runs there (`-chdir`), so two runs never share state and the user's module dir stays clean.

The work dir and everything in it is private to the owner (0700/0600): state holds the inputs.

The harness's inputs reach the module as environment variables `TF_VAR_kubeconfig`,
`TF_VAR_kubectl` (empty when no kubectl is found), `TF_VAR_namespace`, `TF_VAR_component` and
`TF_VAR_run_id`, not as `-var`: the tool rejects a `-var` the module does not declare but
ignores an undeclared `TF_VAR_`, so a module declares only the inputs it uses. The component's
values files are `-var-file`s, which take precedence over the environment.

Providers come from the filesystem mirror `tools install` lays out beside the tool
(tofu_providers: the hashicorp/kubernetes provider, built from its Go module): the tool gets a
CLI config naming it (TF_CLI_CONFIG_FILE, a private file in the run's work dir), unless the user
has a CLI config of their own, which is kept as it is (their mirrors, their credentials). With
the kubernetes provider the tool finds drift in the live objects; a module of `terraform_data`
resources tracks its inputs only."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

from homelab_acceptance.errors import ProvisionError
from homelab_acceptance.kube.client import api_client_for
from homelab_acceptance.provision.cli_tools import find_cli, require_cli, run_cli
from homelab_acceptance.provision.component_namespace import (
    delete_namespace_if_created,
    ensure_namespace,
)
from homelab_acceptance.provision.contract import ApplyReport, Provisioner
from homelab_acceptance.provision.private_files import PRIVATE_UMASK, make_private, private_dir
from homelab_acceptance.provision.settling import wait_namespace_settled
from homelab_acceptance.provision.tofu_output import (
    applied_changes,
    first_error,
    json_messages,
    planned_differences,
)
from homelab_acceptance.tofu_providers import cli_config, find_mirror

#: No prompts, no "run terraform apply next" hints, no phone-home to checkpoint.hashicorp.com.
AUTOMATION_ENV = {"TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"}
#: What the tool writes beside the module (never copied from the user's module dir).
_TOOL_STATE = {".terraform", "terraform.tfstate", "terraform.tfstate.backup"}
#: Records which module content the work dir was initialised for.
_INIT_MARKER = ".homelab-acceptance-init"
_HINT = (
    "`homelab-acceptance tools install` builds OpenTofu's CLI (tofu) from its Go module, or "
    "install Terraform's (terraform); it also lays out the hashicorp/kubernetes provider in a "
    "mirror beside it, as no provider registry is reachable"
)


class OpenTofuProvisioner(Provisioner):
    name = "opentofu"

    def work_dir(self) -> Path:
        """This run's copy of the module, where the tool keeps its state."""
        return self.identity.workdir() / "opentofu" / self.component.name

    def apply(self) -> ApplyReport:
        started = time.monotonic()
        tool = require_cli(self.component, "tofu", "terraform", hint=_HINT)
        ensure_namespace(
            api_client_for(self.cluster.kubeconfig_path), self.component, self.identity
        )
        self._prepare(tool)
        result = self._run(tool, "apply", ["apply", "-auto-approve", "-json", *self._var_files()])
        changes, unchanged = applied_changes(json_messages(result.stdout))
        return ApplyReport(changes, unchanged, time.monotonic() - started)

    def wait_settled(self) -> None:
        wait_namespace_settled(self.cluster.kubeconfig_path, self.component)

    def drift(self) -> tuple[str, ...]:
        """What `plan -detailed-exitcode` proposes: empty when it exits 0 (nothing to do, the
        idempotence proof after an apply), one entry per change when it exits 2."""
        tool = require_cli(self.component, "tofu", "terraform", hint=_HINT)
        self._prepare(tool)
        plan = ["plan", "-detailed-exitcode", "-json", *self._var_files()]
        result = self._run(tool, "plan", plan, ok_codes=(0, 2))
        if result.returncode == 0:
            return ()
        return planned_differences(json_messages(result.stdout))

    def destroy(self) -> None:
        work = self.work_dir()
        if (work / "terraform.tfstate").is_file():
            tool = require_cli(self.component, "tofu", "terraform", hint=_HINT)
            self._prepare(tool)
            self._run(tool, "destroy", ["destroy", "-auto-approve", "-json", *self._var_files()])
        delete_namespace_if_created(
            api_client_for(self.cluster.kubeconfig_path), self.component, self.identity
        )
        shutil.rmtree(work, ignore_errors=True)
        self._cli_config_path().unlink(missing_ok=True)

    def _var_files(self) -> list[str]:
        return [f"-var-file={path.resolve()}" for path in self.component.values]

    def _prepare(self, tool: str) -> None:
        """Bring the work dir's copy of the module up to date, keeping the tool's state; run
        `init` the first time and whenever the module's content has changed since."""
        source = self.component.local_source()
        if not source.is_dir():
            raise ProvisionError(
                f"component {self.component.name}: source {source} is not a module directory"
            )
        work = private_dir(self.identity.workdir(), "opentofu", self.component.name)
        wanted = {entry.name for entry in source.iterdir()} - _TOOL_STATE
        for entry in work.iterdir():
            kept = entry.name in _TOOL_STATE | {".terraform.lock.hcl", _INIT_MARKER}
            if entry.name not in wanted and not kept:
                _remove(entry)
        shutil.copytree(
            source, work, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*_TOOL_STATE)
        )
        make_private(work)
        digest = _content_digest(work)
        marker = work / _INIT_MARKER
        if not marker.is_file() or marker.read_text() != digest:
            self._run(tool, "init", ["init", "-input=false", "-no-color"])
            marker.write_text(digest)
            marker.chmod(0o600)

    def _cli_config(self, tool: str) -> dict[str, str]:
        """TF_CLI_CONFIG_FILE for the tool: the user's own, else one naming the provider mirror
        beside the tool (written next to the work dir), else none."""
        if _users_cli_config() is not None:
            return {}
        mirror = find_mirror(tool)
        if mirror is None:
            return {"TF_CLI_CONFIG_FILE": ""}
        private_dir(self.identity.workdir(), "opentofu")
        config = self._cli_config_path()
        config.write_text(cli_config(mirror), encoding="utf-8")
        config.chmod(0o600)
        return {"TF_CLI_CONFIG_FILE": str(config)}

    def _cli_config_path(self) -> Path:
        return self.identity.workdir() / "opentofu" / f"{self.component.name}.tfrc"

    def _run(
        self, tool: str, step: str, args: list[str], ok_codes: tuple[int, ...] = (0,)
    ) -> subprocess.CompletedProcess[str]:
        """One tool command in the work dir; a failure is one line with the tool's own
        diagnostic (run_cli's last-line rule would give a JSON line or a box border)."""
        env = {
            **AUTOMATION_ENV,
            **self._cli_config(tool),
            "TF_VAR_kubeconfig": str(self.cluster.kubeconfig_path),
            "TF_VAR_kubectl": find_cli("kubectl") or "",
            "TF_VAR_namespace": self.component.namespace,
            "TF_VAR_component": self.component.name,
            "TF_VAR_run_id": self.identity.run_id,
        }
        command = [tool, f"-chdir={self.work_dir()}", *args]
        return run_cli(
            self.component, f"{Path(tool).name} {step}", command, env=env, ok_codes=ok_codes,
            error_line=first_error, umask=PRIVATE_UMASK,
        )  # fmt: skip


def _users_cli_config() -> Path | None:
    """The CLI config the user's environment names, when that file exists. One naming no file
    is ignored: terraform ignores it too, but tofu prints a warning box into every command's
    output."""
    named = os.environ.get("TF_CLI_CONFIG_FILE")
    return Path(named) if named and Path(named).is_file() else None


def _content_digest(module: Path) -> str:
    """A digest of the module's files (not the tool's state or the init marker)."""
    digest = hashlib.sha256()
    skipped = _TOOL_STATE | {".terraform.lock.hcl", _INIT_MARKER}
    for path in sorted(module.rglob("*")):
        relative = path.relative_to(module)
        if path.is_file() and relative.parts[0] not in skipped:
            digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry)
    else:
        entry.unlink()
