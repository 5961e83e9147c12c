"""Reading tofu/terraform output: the cases the integration tests do not reach (human init
diagnostics, a failed local-exec, a plan that changes only outputs). The lines are shaped as
terraform 1.11 prints them."""

from __future__ import annotations

import json
from typing import Any

from homelab_acceptance.provision.tofu_output import first_error, planned_differences

INIT_FAILURE = """\
Initializing the backend...

Error: Terraform encountered problems during initialisation, including problems
with the configuration, described below.

The Terraform configuration must be valid before initialization so that
Terraform can determine which modules and providers need to be installed.


Error: Unclosed configuration block

  on main.tf line 31, in resource "terraform_data" "y":
  31: resource "terraform_data" "y" {

There is no closing brace for this block before the end of the file.
"""


def lines(*messages: dict[str, Any]) -> str:
    return "\n".join(json.dumps(message) for message in messages)


def test_init_text_gives_the_placed_error_not_the_generic_one() -> None:
    assert first_error("", INIT_FAILURE) == "main.tf:31: Unclosed configuration block"


def test_a_failed_local_exec_gives_the_command_output_not_the_command() -> None:
    diagnostic = {
        "severity": "error",
        "summary": "local-exec provisioner error",
        "detail": "Error running command 'printf ... | \"$KUBECTL\" apply -f -': exit status 1. "
        'Output: Warning: something\nerror: unable to recognize "STDIN": no matches\n',
        "address": "terraform_data.web",
        "range": {"filename": "main.tf", "start": {"line": 20}},
        "snippet": {"values": [{"traversal": "var.secret", "statement": 'is "hunter2"'}]},
    }
    stdout = lines({"type": "version"}, {"type": "diagnostic", "diagnostic": diagnostic})
    assert first_error(stdout, "") == (
        'terraform_data.web: local-exec provisioner error: error: unable to recognize "STDIN": '
        "no matches"
    )


def test_a_variable_validation_gives_its_error_message_and_no_value() -> None:
    diagnostic = {
        "severity": "error",
        "summary": "Invalid value for variable",
        "detail": "No kubectl was found: this module applies its manifest with kubectl.\n\n"
        "This was checked by the validation rule at variables.tf:8,3-13.",
        "range": {"filename": "variables.tf", "start": {"line": 6}},
        "snippet": {"values": [{"traversal": "var.kubectl", "statement": 'is ""'}]},
    }
    warning = {**diagnostic, "severity": "warning", "summary": "Deprecated"}
    stdout = lines(
        {"type": "diagnostic", "diagnostic": warning},
        {"type": "diagnostic", "diagnostic": diagnostic},
    )
    assert first_error(stdout, "") == (
        "variables.tf:6: Invalid value for variable: No kubectl was found: this module applies "
        "its manifest with kubectl."
    )


def test_without_a_diagnostic_the_last_line_is_taken() -> None:
    assert first_error("", "panic: something\n  goroutine 1\n") == "goroutine 1"
    assert first_error("", "") == "no output"


def test_a_plan_that_changes_only_outputs_says_so() -> None:
    summary = {
        "type": "change_summary",
        "@message": "Plan: 0 to add, 0 to change, 0 to destroy.",
    }
    assert planned_differences([summary]) == ("Plan: 0 to add, 0 to change, 0 to destroy.",)


def test_a_plan_names_changes_and_drift_but_not_reads() -> None:
    def change(kind: str, address: str, action: str) -> dict[str, Any]:
        return {"type": kind, "change": {"resource": {"addr": address}, "action": action}}

    messages = [
        change("resource_drift", "terraform_data.a", "update"),
        change("planned_change", "terraform_data.b", "replace"),
        change("planned_change", "data.terraform_remote_state.c", "read"),
    ]
    assert planned_differences(messages) == (
        "resource terraform_data.b: replace",
        "resource terraform_data.a: changed outside (update)",
    )
