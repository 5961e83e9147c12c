"""Reading the json callback's report: changed and ok tasks, and a failure as one line naming
the task with the module's message only (a Kubernetes Status reduced to its message)."""

from __future__ import annotations

import json
from typing import Any

from homelab_acceptance.provision.ansible_playbook import (
    ansible_error,
    failure_line,
    module_message,
    outcome_of,
)


def report(*tasks: tuple[str, dict[str, Any]], failures: int = 0) -> dict[str, Any]:
    """A report shaped as ansible.posix.json writes it."""
    return {
        "plays": [{"tasks": [{"task": {"name": n}, "hosts": {"localhost": r}} for n, r in tasks]}],
        "stats": {"localhost": {"failures": failures, "unreachable": 0}},
    }


def test_changed_and_ok_tasks_are_told_apart() -> None:
    outcome = outcome_of(
        report(
            ("Deployment web", {"changed": True}),
            ("Service web", {"changed": False}),
            ("Only on destroy", {"changed": False, "skipped": True}),
        )
    )
    assert outcome.changed == ("Deployment web",)
    assert outcome.ok == ("Service web",)


def test_the_failure_is_the_last_failed_task_and_ignored_ones_do_not_count() -> None:
    ignored = ("Optional", {"failed": True, "msg": "ignored"})
    assert failure_line(report(ignored)) is None
    fatal = ("ConfigMap x", {"failed": True, "msg": "no good"})
    assert failure_line(report(ignored, fatal, failures=1)) == "task 'ConfigMap x' failed: no good"


def test_a_kubernetes_status_in_the_message_is_reduced_to_its_message() -> None:
    status = {"kind": "Status", "message": 'ConfigMap "X" is invalid', "details": {"a": "b"}}
    message = module_message({"msg": f"Failed to create object: {json.dumps(status)}"})
    assert message == 'Failed to create object: ConfigMap "X" is invalid'


def test_a_long_message_is_cut_to_one_short_line() -> None:
    message = module_message({"msg": "line one\nline two " + "x" * 1000})
    assert message.startswith("line one line two x")
    assert len(message) == 240
    assert message.endswith("…")


def test_ansible_errors_name_the_place() -> None:
    stderr = (
        "[WARNING]: Found variable using reserved name 'namespace'.\nOrigin: <unknown>\n\n"
        "[ERROR]: YAML parsing failed: did not find expected key.\n"
        "Origin: /p/play.yaml:5:4\n\n5    bad: indent\n     ^ column 4\n"
    )
    assert ansible_error(stderr) == (
        "[ERROR]: YAML parsing failed: did not find expected key. (Origin: /p/play.yaml:5:4)"
    )
