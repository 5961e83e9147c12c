"""Running one ansible-playbook command for the ansible provisioner and reading the report of
its `ansible.posix.json` stdout callback: which tasks changed, which were ok, and why the run
failed, in one line that never carries a task's whole result (it may hold secrets)."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from homelab_acceptance.errors import ProvisionError
from homelab_acceptance.provision.cli_tools import last_line, run_cli
from homelab_acceptance.provision.private_files import PRIVATE_UMASK, private_dir
from homelab_acceptance.spec import Component

#: 0: all well; 2: a task failed; 4: a host was unreachable or the playbook did not parse;
#: 1: any other error. The report (or stderr) says why, better than run_cli's last line.
EXIT_CODES_EXPLAINED_HERE = (0, 1, 2, 4)
REASON_LIMIT = 240


@dataclass(frozen=True)
class PlaybookRun:
    """What to run: the playbook, its variables, and where ansible may write."""

    playbook: Path
    extra_vars: Mapping[str, str]
    values_files: Sequence[Path]
    kubeconfig: Path
    ansible_dir: Path


@dataclass(frozen=True)
class PlaybookOutcome:
    """The names of the tasks that changed (or would, in check mode) and of those that were ok."""

    changed: tuple[str, ...]
    ok: tuple[str, ...]


def run_playbook(
    component: Component, step: str, executable: str, run: PlaybookRun, *options: str
) -> PlaybookOutcome:
    """Run the playbook against localhost; ProvisionError (one line) when it fails."""
    run.ansible_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    for directory in ("home", "local-tmp", "remote-tmp"):
        private_dir(run.ansible_dir, directory)
    variables = {
        "ansible_connection": "local",
        "ansible_python_interpreter": sys.executable,
        **run.extra_vars,
    }
    # Values files first: a later -e wins, so no values file can redirect the namespace or state.
    args = [executable, "-i", "localhost,"]
    for values in run.values_files:
        args += ["-e", f"@{values}"]
    args += ["-e", json.dumps(variables), *options, str(run.playbook)]
    result = run_cli(
        component, step, args, env=_environment(run), cwd=run.playbook.parent,
        ok_codes=EXIT_CODES_EXPLAINED_HERE, umask=PRIVATE_UMASK,
    )  # fmt: skip
    report = _parse_report(result.stdout)
    if report is None:
        raise ProvisionError(
            f"component {component.name}: {step} failed (exit {result.returncode}): "
            f"{ansible_error(result.stderr) or 'ansible-playbook printed no report'}"
        )
    failure = failure_line(report)
    if failure is not None or result.returncode != 0:
        raise ProvisionError(
            f"component {component.name}: {step}: "
            f"{failure or ansible_error(result.stderr) or f'exit {result.returncode}'}"
        )
    return outcome_of(report)


def _environment(run: PlaybookRun) -> dict[str, str]:
    """Ansible's settings for one run: the cluster's kubeconfig only (never the user's default
    context), a machine-readable report, and every file ansible writes kept in the run's
    directory rather than ~/.ansible."""
    return {
        "K8S_AUTH_KUBECONFIG": str(run.kubeconfig),
        "KUBECONFIG": str(run.kubeconfig),
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
        "ANSIBLE_HOME": str(run.ansible_dir / "home"),
        "ANSIBLE_LOCAL_TEMP": str(run.ansible_dir / "local-tmp"),
        "ANSIBLE_REMOTE_TEMP": str(run.ansible_dir / "remote-tmp"),
    }


def _parse_report(stdout: str) -> dict[str, Any] | None:
    try:
        report = json.loads(stdout)
    except ValueError:
        return None
    return report if isinstance(report, dict) and "plays" in report else None


def _task_results(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(task name, result) for every task on every host, in the order they ran."""
    return [
        (str(task["task"]["name"]), result)
        for play in report["plays"]
        for task in play["tasks"]
        for result in task["hosts"].values()
    ]


def outcome_of(report: dict[str, Any]) -> PlaybookOutcome:
    changed: list[str] = []
    ok: list[str] = []
    for name, result in _task_results(report):
        if result.get("changed"):
            changed.append(name)
        elif not any(result.get(key) for key in ("failed", "skipped", "unreachable")):
            ok.append(name)
    return PlaybookOutcome(tuple(changed), tuple(ok))


def failure_line(report: dict[str, Any]) -> str | None:
    """Why the run failed, naming the task, when its stats count a failure or an unreachable
    host. The last failed result is the one that stopped the host: earlier ones were ignored
    (`ignore_errors`) or rescued, and the stats do not count them."""
    stats = report.get("stats", {}).values()
    if not any(host.get("failures") or host.get("unreachable") for host in stats):
        return None
    failed = [
        (name, result)
        for name, result in _task_results(report)
        if result.get("failed") or result.get("unreachable")
    ]
    if not failed:
        return "the stats count a failure, but no task result says which"
    name, result = failed[-1]
    verb = "could not reach its host" if result.get("unreachable") else "failed"
    return f"task {name!r} {verb}: {module_message(result)}"


def module_message(result: dict[str, Any]) -> str:
    """The module's `msg`, one short line. A Kubernetes Status embedded in it (as
    kubernetes.core.k8s reports API errors) is replaced by its own message."""
    message = " ".join(str(result.get("msg") or "no message").split())
    start, end = message.find("{"), message.rfind("}")
    if 0 <= start < end:
        try:
            status = json.loads(message[start : end + 1])
        except ValueError:
            status = None
        if isinstance(status, dict) and status.get("kind") == "Status":
            message = f"{message[:start].strip()} {status.get('message', '')}".strip()
    return message if len(message) <= REASON_LIMIT else message[: REASON_LIMIT - 1] + "…"


def ansible_error(stderr: str) -> str:
    """Ansible's first `[ERROR]:` line with the place it points at (file:line:column)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    first = next((i for i, line in enumerate(lines) if line.startswith("[ERROR]")), None)
    if first is None:
        return last_line(stderr)
    origins = [line for line in lines[first + 1 :] if line.startswith("Origin:")]
    where = f" ({origins[0]})" if origins else ""
    return " ".join(f"{lines[first]}{where}".split())[:300]
