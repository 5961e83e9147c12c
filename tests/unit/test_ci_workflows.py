"""The CI gate examples (.github/ and .forgejo/ workflows) do what the README promises: run on
infrastructure changes, run the README's acceptance command as the job's result, upload the
reports whatever happened, and post the Markdown summary on the pull request.

Each rule is a function returning what is wrong, so the same rules are shown to fire on
broken copies of the workflows."""

from __future__ import annotations

import copy
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = {
    "github": ROOT / ".github/workflows/acceptance.yml",
    "forgejo": ROOT / ".forgejo/workflows/acceptance.yml",
}
INFRASTRUCTURE_PATHS = ("stack/**", "charts/**", "tofu/**", "playbooks/**", "values/**")
EVENTS = ("pull_request", "push")
REPORT_DIR = "reports"
SUMMARY = f"{REPORT_DIR}/acceptance.md"
# A release tag with all three numbers, or a commit: `@v4` would follow whatever v4 becomes.
PINNED = re.compile(r"@(v\d+\.\d+\.\d+|[0-9a-f]{40})$")

Workflow = dict[str, Any]
Step = dict[str, Any]


def readme_acceptance_command() -> list[str]:
    """The acceptance command as the README's "two commands" block writes it."""
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("./scripts/acceptance"):
            return shlex.split(line.split("#", 1)[0])
    raise AssertionError("README.md has no line starting with ./scripts/acceptance")


def load(path: Path) -> Workflow:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), f"{path}: not a YAML mapping"
    return loaded


def triggers(workflow: Workflow) -> dict[str, Any]:
    # YAML 1.1 (PyYAML) reads the bare key `on` as the boolean True.
    found = workflow.get("on", workflow.get(True))
    return found if isinstance(found, dict) else {}


def steps(workflow: Workflow) -> list[Step]:
    jobs = workflow.get("jobs") or {}
    return [step for job in jobs.values() for step in job.get("steps") or []]


def steps_running(workflow: Workflow, fragment: str) -> list[Step]:
    return [step for step in steps(workflow) if fragment in str(step.get("run", ""))]


def steps_using(workflow: Workflow, action: str) -> list[Step]:
    return [step for step in steps(workflow) if str(step.get("uses", "")).startswith(action)]


def runs_always(step: Step) -> bool:
    return "always()" in str(step.get("if", ""))


# -- the rules ---------------------------------------------------------------------------------


def trigger_problems(workflow: Workflow) -> list[str]:
    on = triggers(workflow)
    problems = []
    for event in EVENTS:
        paths = (on.get(event) or {}).get("paths") if isinstance(on.get(event), dict) else None
        if paths is None:
            problems.append(f"{event}: no paths filter")
            continue
        missing = [path for path in INFRASTRUCTURE_PATHS if path not in paths]
        if missing:
            problems.append(f"{event}: does not run on {missing}")
    return problems


def command_problems(workflow: Workflow) -> list[str]:
    wanted = [*readme_acceptance_command(), "--report-dir", REPORT_DIR]
    running = steps_running(workflow, "scripts/acceptance")
    if len(running) != 1:
        return [f"{len(running)} steps run scripts/acceptance, want exactly one"]
    step = running[0]
    problems = []
    if shlex.split(str(step["run"])) != wanted:
        problems.append(f"runs {step['run']!r}, want {shlex.join(wanted)!r}")
    if step.get("continue-on-error") or step.get("if"):
        problems.append("the acceptance step's exit code is not the job's result")
    return problems


def upload_problems(workflow: Workflow) -> list[str]:
    uploads = steps_using(workflow, "actions/upload-artifact@")
    if not uploads:
        return ["no actions/upload-artifact step"]
    problems = []
    for step in uploads:
        if not runs_always(step):
            problems.append("the reports are uploaded only on success (want if: always())")
        if str((step.get("with") or {}).get("path", "")).rstrip("/") != REPORT_DIR:
            problems.append(f"uploads {step.get('with')}, want path {REPORT_DIR}/")
    return problems


def comment_problems(workflow: Workflow) -> list[str]:
    posting = steps_running(workflow, SUMMARY)
    if not posting:
        return [f"no step posts {SUMMARY}"]
    step = posting[0]
    run = str(step["run"])
    problems = []
    if not runs_always(step):
        problems.append("the summary is posted only on success (want if: always())")
    through_gh = "gh pr comment" in run and f"--body-file {SUMMARY}" in run
    # Forgejo: a pull request's comments are its issue's, posted with curl.
    through_api = "curl" in run and "/comments" in run + str(step.get("env", ""))
    if not (through_gh or through_api):
        problems.append("the summary goes neither to gh pr comment nor to the issues API")
    return problems


def pinning_problems(workflow: Workflow) -> list[str]:
    return [
        f"{step['uses']} is not pinned to a full version"
        for step in steps(workflow)
        if "uses" in step and not PINNED.search(str(step["uses"]))
    ]


RULES: dict[str, Callable[[Workflow], list[str]]] = {
    "triggers": trigger_problems,
    "command": command_problems,
    "upload": upload_problems,
    "comment": comment_problems,
    "pinning": pinning_problems,
}

# -- the real workflows --------------------------------------------------------------------------


@pytest.mark.parametrize("forge", sorted(WORKFLOWS))
@pytest.mark.parametrize("rule", sorted(RULES))
def test_workflow_follows_the_rule(forge: str, rule: str) -> None:
    assert RULES[rule](load(WORKFLOWS[forge])) == []


def test_readme_names_the_acceptance_command() -> None:
    assert readme_acceptance_command()[0] == "./scripts/acceptance"


# -- the rules fire on broken copies -----------------------------------------------------------


def drop_stack_path(workflow: Workflow) -> None:
    triggers(workflow)["pull_request"]["paths"].remove("stack/**")


def drop_push_trigger(workflow: Workflow) -> None:
    del triggers(workflow)["push"]


def run_other_command(workflow: Workflow) -> None:
    steps_running(workflow, "scripts/acceptance")[0]["run"] = "./scripts/acceptance -k dns"


def swallow_exit_code(workflow: Workflow) -> None:
    steps_running(workflow, "scripts/acceptance")[0]["continue-on-error"] = True


def upload_only_on_success(workflow: Workflow) -> None:
    del steps_using(workflow, "actions/upload-artifact@")[0]["if"]


def upload_elsewhere(workflow: Workflow) -> None:
    steps_using(workflow, "actions/upload-artifact@")[0]["with"]["path"] = "report/"


def comment_only_on_success(workflow: Workflow) -> None:
    del steps_running(workflow, SUMMARY)[0]["if"]


def post_nothing(workflow: Workflow) -> None:
    steps_running(workflow, SUMMARY)[0]["run"] = f"cat {SUMMARY}"


def float_a_tag(workflow: Workflow) -> None:
    steps_using(workflow, "actions/checkout@")[0]["uses"] = "actions/checkout@v4"


BREAKAGES: list[tuple[Callable[[Workflow], None], str]] = [
    (drop_stack_path, "triggers"),
    (drop_push_trigger, "triggers"),
    (run_other_command, "command"),
    (swallow_exit_code, "command"),
    (upload_only_on_success, "upload"),
    (upload_elsewhere, "upload"),
    (comment_only_on_success, "comment"),
    (post_nothing, "comment"),
    (float_a_tag, "pinning"),
]


@pytest.mark.parametrize("forge", sorted(WORKFLOWS))
@pytest.mark.parametrize(("breakage", "rule"), BREAKAGES, ids=[b.__name__ for b, _ in BREAKAGES])
def test_rule_fires_on_a_broken_copy(
    forge: str, breakage: Callable[[Workflow], None], rule: str
) -> None:
    broken = copy.deepcopy(load(WORKFLOWS[forge]))
    breakage(broken)
    assert RULES[rule](broken) != []
