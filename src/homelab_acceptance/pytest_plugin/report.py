"""The acceptance report as a pytest plugin: it records every check's outcome and evidence,
writes results.json, acceptance.md, junit.xml (and acceptance.html when the HTML writer is
installed) under --report-dir, and turns the run's exit code into the gate (see
homelab_acceptance.report.verdict).

Options: `--report-dir DIR` (default `reports/`), `--baseline results.json` (a previous run to
compare with; a missing or invalid one is a usage error, exit 4).
"""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from homelab_acceptance.cluster import Cluster
from homelab_acceptance.errors import HomelabAcceptanceError
from homelab_acceptance.pytest_plugin.failure_text import (
    is_builtin_check,
    is_finding,
    short_failure,
)
from homelab_acceptance.pytest_plugin.forensics_bundles import Bundles
from homelab_acceptance.pytest_plugin.options import run_options
from homelab_acceptance.pytest_plugin.retries import failed_attempts, passed_on_retry
from homelab_acceptance.pytest_plugin.session_state import (
    REPORT_PLUGIN,
    progress_printer,
    stack_key,
)
from homelab_acceptance.pytest_plugin.xdist_roles import (
    WORKER_REPORT_OUTPUT,
    is_xdist_controller,
    is_xdist_worker,
)
from homelab_acceptance.report.acceptance_md import write_acceptance_md
from homelab_acceptance.report.atomic import write_redacted
from homelab_acceptance.report.baseline import BaselineError, compare, load_baseline
from homelab_acceptance.report.checks import (
    BAD_STATUSES,
    CONFIRMED_LIMITATION,
    ERROR,
    FAILED,
    FLAKY,
    PASSED,
    SKIPPED,
    CheckRecord,
    Requirement,
    one_line,
    slug,
)
from homelab_acceptance.report.environment import environment_block
from homelab_acceptance.report.figures import key_figure
from homelab_acceptance.report.html import write_html
from homelab_acceptance.report.junit_xml import write_junit_xml
from homelab_acceptance.report.redaction import Redactor
from homelab_acceptance.report.results import build_results, summary_of
from homelab_acceptance.report.results_json import write_results_json
from homelab_acceptance.report.secret_sources import kubeconfig_secrets, stack_secrets
from homelab_acceptance.report.verdict import Verdict, decide

#: When one of these fixtures fails, the harness could not run (exit 2), whatever the checks.
#: A stack that does not come up by its own doing is not that: provisioned_stack skips its
#: dependents then, and the report holds one failed requirement (STACK_COMES_UP).
HARNESS_FIXTURES = frozenset({"cluster", "provisioned_stack"})
#: The id of that requirement's one check in the report.
STACK_COMES_UP = "stack::the stack comes up"
#: The id of the check a failed cleanup is recorded as: it fails the gate too.
LEAVES_NOTHING_BEHIND = "cleanup::the run leaves nothing behind"


@pytest.fixture
def evidence(request: pytest.FixtureRequest) -> dict[str, Any]:
    """What a check saw (queries and answers, timings, figures): a JSON-able dict recorded
    on the test item (user_properties "evidence") for the report, pass or fail."""
    recorded: dict[str, Any] = {}
    request.node.user_properties.append(("evidence", recorded))
    return recorded


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "requirement(id, title): the documented requirement of the homelab a check proves "
        "(one line per suite module: pytestmark = pytest.mark.requirement(...))",
    )
    if config.option.collectonly:
        return  # no check runs: nothing to report, nothing to gate
    options = run_options(config)
    baseline: dict[str, Any] | None = None
    if options.baseline is not None:
        try:
            baseline = load_baseline(options.baseline)
        except BaselineError as error:
            raise pytest.UsageError(str(error)) from None
    report = AcceptanceReport(config, options.report_dir, options.baseline, baseline)
    config.pluginmanager.register(report, REPORT_PLUGIN)
    if is_xdist_controller(config):
        config.pluginmanager.register(WorkerReports(report), "homelab-acceptance-worker-reports")


class WorkerReports:
    """pytest-xdist's controller side: each worker hands its records over as it ends."""

    def __init__(self, report: AcceptanceReport) -> None:
        self.report = report

    def pytest_testnodedown(self, node: Any, error: object) -> None:
        worker = str(node.gateway.id)
        if error is not None:
            self.report.note_harness_failure(f"pytest-xdist worker {worker} crashed: {error}")
        handed = getattr(node, "workeroutput", {}).get(WORKER_REPORT_OUTPUT)
        self.report.merge_worker_report(worker, handed)


class AcceptanceReport:
    """The session's checks as the report sees them, written out when the session ends."""

    def __init__(
        self,
        config: pytest.Config,
        report_dir: Path,
        baseline_path: Path | None,
        baseline: dict[str, Any] | None,
    ) -> None:
        self._config = config
        self._report_dir = report_dir
        self._baseline_path = baseline_path
        self._baseline = baseline
        self._redactor = Redactor()
        self._checks: dict[str, CheckRecord] = {}
        self._harness_failure: str | None = None
        self._cluster_facts: dict[str, Any] = {}
        self._cluster: Cluster | None = None
        self._bundles = Bundles(report_dir, self._redactor)
        self._started = datetime.now(UTC)
        self._final_line: str | None = None

    @property
    def redactor(self) -> Redactor:
        """For secrets only a check knows (register_secret): they are redacted too."""
        return self._redactor

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self._started = datetime.now(UTC)
        if not is_xdist_worker(self._config):
            self._bundles.clear()
        stack = self._config.stash.get(stack_key, None)
        if stack is not None:
            for secret in stack_secrets(stack):
                self._redactor.register_secret(secret)

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(
        self, fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
    ) -> Generator[None, Any, Any]:
        try:
            value = yield
        except (Exception, pytest.fail.Exception) as error:
            if fixturedef.argname in HARNESS_FIXTURES and self._harness_failure is None:
                self._harness_failure = f"{fixturedef.argname}: {one_line(str(error))}"
            raise
        if isinstance(value, Cluster):
            self.learn_cluster(value)
        return value

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        self._record(item, call, report)
        if report.failed and self._cluster is not None:
            self._attach_forensics(self._checks[item.nodeid], _evidence_of(item))
        if report.failed and is_finding(call) and is_builtin_check(item):
            record = self._checks[item.nodeid]
            report.longrepr = short_failure(record.message, _evidence_of(item), self._redactor)
        return report

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if not report.failed:
            return
        module = report.nodeid.split("::", 1)[0]
        self._checks[report.nodeid] = CheckRecord(
            id=report.nodeid,
            title=f"collecting {module}",
            requirement=Requirement(Path(module).stem, module, "requirement"),
            status=ERROR,
            message=_collection_error_message(str(report.longrepr)),
        )

    def note_harness_failure(self, what: str) -> None:
        """The harness could not run (exit 2), whatever the checks say."""
        if self._harness_failure is None:
            self._harness_failure = one_line(what)

    def has_failure(self) -> bool:
        return any(record.status in BAD_STATUSES for record in self._checks.values())

    def note_stack_not_up(self, reason: str, component: str | None) -> None:
        """The stack did not come up (the stack's doing, not the harness's): one failed
        requirement, with the forensics of the moment, however many checks needed it."""
        if STACK_COMES_UP in self._checks:
            return  # a second pytest-xdist worker, or a retry: said once
        record = CheckRecord(
            id=STACK_COMES_UP,
            title="The stack comes up",
            requirement=Requirement("stack-comes-up", "The stack comes up", "requirement"),
            status=FAILED,
            message=one_line(reason),
            evidence={"component": component, "reason": reason} if component else {},
        )
        self._checks[STACK_COMES_UP] = record
        if self._cluster is not None:
            self._attach_forensics(record, record.evidence)

    def note_cleanup_failure(self, what: str) -> None:
        """Something the run made could not be removed: an error of its own in the report
        (every failed cleanup of the run in its message), so the gate fails."""
        record = self._checks.get(LEAVES_NOTHING_BEHIND)
        if record is None:
            record = CheckRecord(
                id=LEAVES_NOTHING_BEHIND,
                title="The run leaves nothing behind",
                requirement=Requirement("cleanup", "The run cleans up after itself", "requirement"),
                status=ERROR,
            )
            self._checks[LEAVES_NOTHING_BEHIND] = record
        failures = [*record.evidence.get("failures", []), what]
        record.evidence = {"failures": failures}
        record.message = one_line("cleanup failed: " + "; ".join(failures))

    def merge_worker_report(self, worker: str, handed: dict[str, Any] | None) -> None:
        """What a pytest-xdist worker recorded (its checks, its failure, the secrets it
        learned); the controller writes the one report of the run."""
        if handed is None:
            self.note_harness_failure(f"pytest-xdist worker {worker} ended without its report")
            return
        for secret in handed["secrets"]:
            self._redactor.register_secret(secret)
        for record in handed["checks"]:
            requirement = Requirement(**record.pop("requirement"))
            self._checks[record["id"]] = CheckRecord(requirement=requirement, **record)
        if handed["harness_failure"]:
            self.note_harness_failure(handed["harness_failure"])

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if is_xdist_worker(self._config):
            workeroutput: dict[str, Any] = self._config.workeroutput  # type: ignore[attr-defined]
            workeroutput[WORKER_REPORT_OUTPUT] = {
                "checks": [asdict(check) for check in self._checks.values()],
                "harness_failure": self._harness_failure,
                "secrets": sorted(self._redactor.secrets()),
            }
            return  # the controller writes the report
        checks = list(self._checks.values())
        verdict = decide(
            [check.status for check in checks],
            self._harness_failure is not None,
            int(exitstatus),
            fail_on_flaky=run_options(self._config).fail_on_flaky,
        )
        results = build_results(checks, verdict, self._environment(), None)
        if self._baseline is not None and self._baseline_path is not None:
            results["baseline"] = compare(self._baseline, results["checks"], self._baseline_path)
        try:
            shown = self._write(results)
        except OSError as error:
            verdict = Verdict("error", 2)
            shown = f"the report could not be written ({error})"
        session.exitstatus = verdict.exit_code
        counts = ", ".join(f"{n} {status}" for status, n in summary_of(checks).items())
        cause = f" ({self._harness_failure})" if self._harness_failure else ""
        # A CI job's log then names what failed right above the verdict, as the report does.
        named = [
            f"acceptance: {check.status}: {check.title} ({check.id}): {check.message}"
            for check in checks
            if check.status in BAD_STATUSES
        ]
        self._final_line = self._redactor.redact_text(
            "\n".join([*named, f"acceptance: {verdict.name.upper()}{cause} — {counts} — {shown}"])
        )

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        if self._final_line is None:
            return
        reporter: Any = config.pluginmanager.get_plugin("terminalreporter")
        for line in self._final_line.splitlines():
            if reporter is None:
                print(line)
            else:
                reporter.write_line(line)

    # -- recording -----------------------------------------------------------------------------

    def _attach_forensics(self, record: CheckRecord, evidence: dict[str, Any]) -> None:
        """Gather the failed check's forensics bundle while the cluster is still up."""
        assert self._cluster is not None
        stack = self._config.stash.get(stack_key, None)
        namespaces = {c.namespace for c in stack.components} if stack is not None else set()
        try:
            record.artifacts = self._bundles.for_failure(
                self._cluster, namespaces, record.id, record.message, evidence
            )
        except Exception as error:
            reason = one_line(f"{type(error).__name__}: {error}")
            progress_printer(self._config)(f"forensics of {record.id} not gathered: {reason}")

    def learn_cluster(self, cluster: Cluster) -> None:
        """The cluster's facts for the report, and its credentials for the redactor."""
        self._cluster = cluster
        for secret in kubeconfig_secrets(cluster.kubeconfig_path):
            self._redactor.register_secret(secret)
        try:
            self._cluster_facts = dict(cluster.describe())
        except HomelabAcceptanceError:
            self._cluster_facts = {"provider": f"{cluster.provider}://"}

    def _record(
        self, item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport
    ) -> None:
        record = self._checks.get(item.nodeid)
        if record is None:
            record = CheckRecord(item.nodeid, _title_of(item), _requirement_of(item))
            self._checks[item.nodeid] = record
        attempts = failed_attempts(item)
        if report.when == "setup":  # a retried check starts over, its failures kept apart
            record.status, record.message, record.attempts = PASSED, "", attempts
        if report.when == "call" or not report.passed:
            record.duration_s += report.duration
        if report.failed:
            if report.when == "call":
                record.status, record.message = FAILED, _message_of(call, report)
            elif record.status not in BAD_STATUSES:
                record.status, record.message = ERROR, _message_of(call, report)
        elif report.skipped:
            record.status, record.message = SKIPPED, _message_of(call, report)
        elif report.when == "call" and attempts:
            retries = run_options(self._config).retries
            record.status, record.message = FLAKY, passed_on_retry(attempts, retries)
        elif report.when == "call":
            record.status = PASSED
        if report.when == "teardown":
            record.evidence = _evidence_of(item)
            limitation = item.get_closest_marker("limitation")
            if limitation is not None and record.status == PASSED:
                record.status = CONFIRMED_LIMITATION
                record.message = _confirmed(record.requirement.title, record.evidence)

    def _environment(self) -> dict[str, Any]:
        stack = self._config.stash.get(stack_key, None)
        stack_path = stack.path if stack is not None else None
        return environment_block(
            self._cluster_facts,
            run_options(self._config).cluster_given,
            stack_path=stack_path,
            shown_stack_path=(
                _shown_path(stack_path, self._config.rootpath) if stack_path is not None else None
            ),
            started=self._started,
            finished=datetime.now(UTC),
        )

    # -- writing -------------------------------------------------------------------------------

    def _write(self, results: dict[str, Any]) -> str:
        """Every report file, redacted; returns the path a reviewer should open."""
        directory = self._config.invocation_params.dir / self._report_dir
        directory.mkdir(parents=True, exist_ok=True)
        write_results_json(results, directory / "results.json", self._redactor)
        write_acceptance_md(results, directory / "acceptance.md", self._redactor)
        write_junit_xml(results, directory / "junit.xml", self._redactor)
        page = directory / "acceptance.html"
        write_html(self._redactor.redact(results), page)
        write_redacted(page, page.read_text(encoding="utf-8"), self._redactor)
        return str(self._report_dir / "acceptance.html")


def _title_of(item: pytest.Item) -> str:
    """The check's docstring when its first paragraph is one line (a title), else its
    function name made readable (a longer docstring explains why, and reads badly cut to a
    line); with the parameter id, so that the checks of one function tell apart."""
    function = getattr(item, "function", None)
    paragraph = (function.__doc__ or "").strip().split("\n\n")[0] if function else ""
    name = item.name.split("[", 1)[0]
    readable = name.removeprefix("test_").replace("_", " ").capitalize()
    title = paragraph if paragraph and "\n" not in paragraph else readable
    callspec = getattr(item, "callspec", None)
    return f"{title} [{callspec.id}]" if callspec is not None else title


def _requirement_of(item: pytest.Item) -> Requirement:
    limitation = item.get_closest_marker("limitation")
    if limitation is not None and limitation.args:
        name = str(limitation.args[0])
        return Requirement(slug(name), name, "limitation")
    marker = item.get_closest_marker("requirement")
    if marker is not None and marker.args:
        identifier = str(marker.args[0])
        title = str(marker.args[1]) if len(marker.args) > 1 else identifier
        return Requirement(identifier, title, "requirement")
    module = getattr(item, "module", None)
    path = item.nodeid.split("::", 1)[0]
    title = one_line(module.__doc__ or "") if module is not None else ""
    return Requirement(Path(path).stem, title or path, "requirement")


def _message_of(call: pytest.CallInfo[None], report: pytest.TestReport) -> str:
    """One line: the failure's message (with the exception's type unless it is an assertion
    or pytest.fail), the skip's reason, or an expected failure's reason."""
    wasxfail = getattr(report, "wasxfail", None)
    if report.skipped and wasxfail is not None:
        return one_line(f"expected to fail: {wasxfail}" if wasxfail else "expected to fail")
    if call.excinfo is None:
        longrepr = report.longrepr
        text = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        return one_line(text.removeprefix("Skipped: "))
    error = call.excinfo.value
    text = one_line(str(error))
    plain = (AssertionError, pytest.fail.Exception, pytest.skip.Exception)
    if isinstance(error, plain):
        return text or type(error).__name__
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _collection_error_message(longrepr: str) -> str:
    """The exception line of a collection error (pytest marks it `E   `), else its first line."""
    raised = [line[1:] for line in longrepr.splitlines() if line.startswith("E ")]
    return one_line(raised[-1] if raised else longrepr)


def _evidence_of(item: pytest.Item) -> dict[str, Any]:
    """The evidence the check recorded, as plain JSON data (anything else as its text)."""
    recorded: dict[str, Any] = {}
    for name, value in item.user_properties:
        if name == "evidence" and isinstance(value, dict):
            recorded.update(value)
    try:
        plain: dict[str, Any] = json.loads(json.dumps(recorded, default=str))
    except ValueError as error:  # a circular structure
        return {"unreadable": f"the evidence could not be serialised: {error}"}
    return plain


def _confirmed(limitation: str, evidence: dict[str, Any]) -> str:
    figure = key_figure(evidence)
    shown = f" ({figure[0]} = {figure[1]:g})" if figure is not None else ""
    return f"confirmed: {limitation}{shown}"


def _shown_path(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def run_has_failed(config: pytest.Config) -> bool:
    """Whether a check, or a requirement the report holds without a test (the stack coming
    up), has failed so far: what --keep-cluster=on-failure keeps the cluster for."""
    report = config.pluginmanager.get_plugin(REPORT_PLUGIN)
    return isinstance(report, AcceptanceReport) and report.has_failure()


def report_cleanup_failure(config: pytest.Config, what: str) -> None:
    """Record a cleanup that failed (see AcceptanceReport.note_cleanup_failure), and say it."""
    progress_printer(config)(f"cleanup failed: {what}")
    report = config.pluginmanager.get_plugin(REPORT_PLUGIN)
    if isinstance(report, AcceptanceReport):
        report.note_cleanup_failure(what)


def report_stack_not_up(config: pytest.Config, reason: str, component: str | None) -> None:
    """Record, once, that the stack did not come up (see AcceptanceReport.note_stack_not_up)."""
    report = config.pluginmanager.get_plugin(REPORT_PLUGIN)
    if isinstance(report, AcceptanceReport):
        report.note_stack_not_up(reason, component)


def register_secret(config: pytest.Config, value: str) -> None:
    """Keep a secret a fixture or check learned at run time (a Grafana admin password read
    from the cluster, say) out of every report file."""
    report = config.pluginmanager.get_plugin(REPORT_PLUGIN)
    if isinstance(report, AcceptanceReport):
        report.redactor.register_secret(value)
