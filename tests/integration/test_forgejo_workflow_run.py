"""The Forgejo gate, .forgejo/workflows/acceptance.yml, executed by a runner: act v0.2.89
(nektos/act, built from its Go module: go_programs ACT) stands in for forgejo-runner, whose
`exec` is a fork of it (forgejo-runner's own module is refused by the module proxy here). The
job runs on the host (`-P debian-12-host=-self-hosted`, the runner label the workflow names;
nothing is pulled) in a clean clone of this repository's HEAD, as a pull request's event:

- a healthy stack: the job succeeds, the reports reach act's artifact server and the summary
  is posted as the pull request's comment;
- a broken stack (the missing-image variant committed over stack/: rejected at provisioning,
  before anything is applied): the job fails and its log names the failed check.

The steps that would need the network run against local stand-ins, as the workflow's comments
say: act's local checkout for actions/checkout, forgejo_stand_ins/upload-artifact (the v3
artifact protocol, to act's artifact server on 127.0.0.1) for actions/upload-artifact, and a
loopback HTTP server of the test's for Forgejo's comments API; act's version check (its one
call home) is off. Everything act makes (its config and action cache folders, the runner's
copy of the clone where the job runs with its .venv, the artifact folder, the clone) is under
the test's own folder and removed; only the job's log is kept beside it (tmp_path/act.log).
No process of act's session outlives it (asserted, and the group is ended whatever happened).

The acceptance run inside the job leaves out the disruptive checks (node restart, drain, the
alert round trip: PYTEST_ADDOPTS, which act passes on to the step and pytest reads): what this
test proves is the job around the run, and the suites run whole beside it in the same session
(`pytest tests suites`). Cost: the healthy case ~8 min here (setup's fresh .venv included), the
broken one ~4 min (rejected before anything is applied)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from homelab_acceptance.go_programs import ACT, built_program
from homelab_acceptance.pytest_plugin.session_state import progress_printer

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ".forgejo/workflows/acceptance.yml"
#: The runner label the workflow's job runs on, mapped to act's host mode.
RUNS_ON = "debian-12-host"
UPLOAD_ARTIFACT = "actions/upload-artifact@v3.1.3"
STAND_INS = Path(__file__).parent / "forgejo_stand_ins"
REPOSITORY = "homelab/homelab-acceptance"
PULL_REQUEST = 7
TOKEN = "act-stand-in-token"
ARTIFACT = "acceptance-reports"
REPORT_FILES = ("acceptance.md", "acceptance.html", "results.json", "junit.xml")
#: The requirement a stack that does not come up fails (results.json's check id).
STACK_COMES_UP = "stack::the stack comes up"
#: Rejected at provisioning, before anything is applied: the quickest clear rejection.
BROKEN_VARIANT = ROOT / "fixtures" / "broken" / "missing-image"
#: The job's own limit is 45 min (timeout-minutes); setup in a fresh clone adds its .venv.
HEALTHY_TIMEOUT_S = 45 * 60
BROKEN_TIMEOUT_S = 25 * 60
HEARTBEAT_S = 30.0
#: The acceptance run inside the job, without its disruptive checks (see the module's text).
ACCEPTANCE_SELECTION = 'PYTEST_ADDOPTS=-m "not disruptive"'
#: act's own network use: its version notices (api.nektosact.com) are off.
NO_PHONING_HOME = {"ACT_DISABLE_VERSION_CHECK": "1"}


@pytest.fixture(scope="session")
def act(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """act, built from its Go module once (minutes, with progress), then found by its key."""
    built: Path = built_program(ACT, progress_printer(request.config)) / "act"
    # act makes its config folder even for --version: a throwaway one.
    home = tmp_path_factory.mktemp("act-version")
    ran = subprocess.run(
        [str(built), "--version"],
        capture_output=True,
        text=True,
        check=True,
        env={
            **os.environ,
            **NO_PHONING_HOME,
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_CACHE_HOME": str(home / "cache"),
        },
    )
    shutil.rmtree(home)
    assert ran.stdout.strip() == "act version 0.2.89", ran.stdout
    return built


# -- Forgejo's comments API, on the loopback --------------------------------------------------


@dataclass
class Comment:
    path: str
    authorization: str
    body: str


@dataclass
class ForgejoStandIn:
    """Answers POST /api/v1/repos/<owner>/<repo>/issues/<n>/comments as Forgejo does (201)."""

    comments: list[Comment] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        comments = self.comments

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                sent = json.loads(self.rfile.read(length) or b"{}")
                if not self.path.endswith("/comments"):
                    self.send_error(404)
                    return
                comments.append(
                    Comment(self.path, self.headers.get("Authorization", ""), sent.get("body"))
                )
                answer = json.dumps({"id": len(comments), "body": sent.get("body")}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def forgejo() -> Iterator[ForgejoStandIn]:
    stand_in = ForgejoStandIn()
    stand_in.start()
    try:
        yield stand_in
    finally:
        stand_in.stop()


# -- the clone and the run --------------------------------------------------------------------


def git(*args: str, cwd: Path) -> str:
    ran = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return ran.stdout.strip()


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Path]:
    """The test's folder: the clone (its .venv is hundreds of MB), act's caches, the artifacts.
    Removed whatever happened."""
    where = tmp_path / "act-run"
    where.mkdir()
    try:
        yield where
    finally:
        shutil.rmtree(where, ignore_errors=True)


def clean_clone(workspace: Path) -> Path:
    clone = workspace / "clone"
    subprocess.run(
        ["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, capture_output=True
    )
    assert git("rev-parse", "HEAD", cwd=clone) == git("rev-parse", "HEAD", cwd=ROOT)
    git("config", "user.name", "act test", cwd=clone)
    git("config", "user.email", "act-test@homelab-acceptance.invalid", cwd=clone)
    return clone


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pull_request_event(clone: Path) -> dict[str, Any]:
    head = git("rev-parse", "HEAD", cwd=clone)
    repo = {"full_name": REPOSITORY, "name": REPOSITORY.split("/")[1]}
    return {
        "action": "synchronize",
        "number": PULL_REQUEST,
        "pull_request": {
            "number": PULL_REQUEST,
            "head": {"ref": "act-test", "sha": head, "repo": repo},
            "base": {"ref": "main", "repo": repo},
        },
        "repository": {**repo, "owner": {"login": REPOSITORY.split("/", maxsplit=1)[0]}},
    }


def runner_environment(workspace: Path) -> tuple[dict[str, str], list[str]]:
    """act's environment: this one without the outer pytest's and venv's traces (the job is a
    fresh run of its own), no version check, and act's config and cache folders inside the
    workspace (act creates both); and, as `--env` options, the folders the job's steps get
    back (act passes its environment on to them; the acceptance run's caches are there)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PYTEST_") and key not in ("VIRTUAL_ENV", "PYTHONPATH")
    }
    own_bin = str(Path(sys.prefix) / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != own_bin)
    env.update(NO_PHONING_HOME)
    for_steps = {
        "XDG_CONFIG_HOME": os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config"),
        "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache"),
    }
    env["XDG_CONFIG_HOME"] = str(workspace / "act-config")
    env["XDG_CACHE_HOME"] = str(workspace / "act-home-cache")
    return env, [
        option for key, value in for_steps.items() for option in ("--env", f"{key}={value}")
    ]


@dataclass
class JobRun:
    exit_code: int
    log: str
    artifacts: Path
    #: Processes of act's session still there when act had exited.
    survivors: bool

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.splitlines()[-lines:])


def run_workflow(
    act: Path,
    clone: Path,
    workspace: Path,
    forgejo: ForgejoStandIn,
    timeout_s: float,
    show: Callable[[str], None],
) -> JobRun:
    event = workspace / "event.json"
    event.write_text(json.dumps(pull_request_event(clone)), encoding="utf-8")
    artifacts = workspace / "artifacts"
    env, steps_env = runner_environment(workspace)
    command = [
        str(act), "pull_request",
        "-W", WORKFLOW,
        "-e", str(event),
        "-P", f"{RUNS_ON}=-self-hosted",
        "--pull=false",
        "--no-cache-server",
        "--action-cache-path", str(workspace / "act-cache"),
        "--artifact-server-path", str(artifacts),
        "--artifact-server-addr", "127.0.0.1",
        "--artifact-server-port", str(free_loopback_port()),
        "--local-repository", f"{UPLOAD_ARTIFACT}={STAND_INS / 'upload-artifact'}",
        "--env", f"GITHUB_SERVER_URL={forgejo.url}",
        "--env", f"GITHUB_REPOSITORY={REPOSITORY}",
        "--env", ACCEPTANCE_SELECTION,
        *steps_env,
        "-s", f"GITHUB_TOKEN={TOKEN}",
    ]  # fmt: skip
    show(f"act: running {WORKFLOW} in {clone} (the acceptance run inside takes minutes)")
    process = subprocess.Popen(
        command,
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    done = threading.Event()
    started = time.monotonic()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))

    def heartbeat() -> None:
        while not done.wait(HEARTBEAT_S):
            last = lines[-1] if lines else "nothing yet"
            show(f"act: {time.monotonic() - started:.0f}s; last: {last[:140]}")

    reader = threading.Thread(target=read, daemon=True)
    teller = threading.Thread(target=heartbeat, daemon=True)
    reader.start()
    teller.start()
    survivors = False
    try:
        code = process.wait(timeout=timeout_s)
        reader.join()
        survivors = not group_gone(process.pid, within_s=10.0)
    finally:
        done.set()
        teller.join()
        stop_group(process)
    log = "\n".join(lines)
    # Beside the workspace (which is removed): the job's log, small, kept for a look.
    (workspace.parent / "act.log").write_text(log + "\n", encoding="utf-8")
    show(f"act: exited {process.returncode} after {time.monotonic() - started:.0f}s")
    return JobRun(code, log, artifacts, survivors)


def group_gone(pgid: int, within_s: float) -> bool:
    """Whether the process group has no process left (looked at until `within_s` passes:
    a step's last children may still be exiting when act has)."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)


def stop_group(process: subprocess.Popen[str]) -> None:
    """act's whole session ended: asked first (the acceptance run inside removes its cluster
    on SIGTERM), then killed."""
    if group_gone(process.pid, within_s=0):
        process.wait()
        return
    os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=120)
    if not group_gone(process.pid, within_s=30.0):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def plain(log: str) -> str:
    """The log without its terminal colours."""
    return re.sub(r"\x1b\[[0-9;]*m", "", log)


def uploaded(run: JobRun) -> dict[str, Path]:
    """The artifact's files as act's artifact server stored them (<run id>/<name>/<file>)."""
    folder = run.artifacts / "1" / ARTIFACT
    return {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}


def break_the_stack(clone: Path) -> None:
    """The missing-image variant's files over the stack's, committed: its sample app manifest,
    and its stack.yaml with the paths it reuses from stack/ made the stack's own again."""
    shutil.copy(
        BROKEN_VARIANT / "sample-app" / "sample-app.yaml",
        clone / "stack" / "sample-app" / "sample-app.yaml",
    )
    spec = (BROKEN_VARIANT / "stack.yaml").read_text(encoding="utf-8")
    spec = "\n".join(
        line for line in spec.splitlines() if not line.startswith("allow_outside:")
    ).replace("../../../stack/", "")
    (clone / "stack" / "stack.yaml").write_text(spec + "\n", encoding="utf-8")
    git("commit", "--quiet", "-am", "sample-app: 1.0.1 (an image nobody builds)", cwd=clone)


# -- the tests ----------------------------------------------------------------------------------


def test_act_runs_the_forgejo_workflow_healthy_stack_job_succeeds_and_uploads_the_reports(
    act: Path, workspace: Path, forgejo: ForgejoStandIn, request: pytest.FixtureRequest
) -> None:
    clone = clean_clone(workspace)
    run = run_workflow(
        act, clone, workspace, forgejo, HEALTHY_TIMEOUT_S, progress_printer(request.config)
    )
    assert run.exit_code == 0, run.tail()
    assert "Job succeeded" in run.log, run.tail()
    files = uploaded(run)
    assert set(REPORT_FILES) <= set(files), (sorted(files), run.tail())
    results = json.loads(files["results.json"].read_text(encoding="utf-8"))
    assert (results["verdict"], results["exit_code"]) == ("accepted", 0)
    # The job ran in act's copy of the clone (host mode), removed when it ended: what it wrote
    # is known from the artifact.
    summary = files["acceptance.md"].read_text(encoding="utf-8")
    assert "Verdict: **accepted**" in summary, summary
    assert [(c.path, c.authorization, c.body) for c in forgejo.comments] == [
        (f"/api/v1/repos/{REPOSITORY}/issues/{PULL_REQUEST}/comments", f"token {TOKEN}", summary)
    ]
    assert not run.survivors, "a process of act's session outlived it"


def test_act_runs_the_forgejo_workflow_broken_stack_job_fails_naming_the_check(
    act: Path, workspace: Path, forgejo: ForgejoStandIn, request: pytest.FixtureRequest
) -> None:
    clone = clean_clone(workspace)
    break_the_stack(clone)
    run = run_workflow(
        act, clone, workspace, forgejo, BROKEN_TIMEOUT_S, progress_printer(request.config)
    )
    assert run.exit_code != 0, run.tail()
    assert "Job failed" in run.log, run.tail()
    files = uploaded(run)
    assert set(REPORT_FILES) <= set(files), (sorted(files), run.tail())
    results = json.loads(files["results.json"].read_text(encoding="utf-8"))
    assert (results["verdict"], results["exit_code"]) == ("rejected", 1)
    # The one red check is the requirement "the stack comes up": the job's log names it as
    # the run says it (every check needing the stack skipped with its reason), with the
    # failed check's own message: the component and why.
    failed = [c for c in results["checks"] if c["status"] == "failed"]
    assert [c["id"] for c in failed] == [STACK_COMES_UP], failed
    (check,) = failed
    named = f"the stack did not come up: {check['message'].removesuffix('…')}"
    assert named in plain(run.log), run.tail()
    # And by its name, right above the verdict.
    assert f"acceptance: failed: The stack comes up ({STACK_COMES_UP}): " in plain(run.log), (
        run.tail()
    )
    assert "component sample-app: image homelab-acceptance/sample-app:1.0.1" in check["message"]
    # The rejection's summary is posted too.
    summary = files["acceptance.md"].read_text(encoding="utf-8")
    assert "Verdict: **rejected**" in summary, summary
    assert [c.body for c in forgejo.comments] == [summary]
    assert not run.survivors, "a process of act's session outlived it"
