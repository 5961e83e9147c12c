"""Detection power: the acceptance suites run against each broken variant of the reference
stack (fixtures/broken/<variant>/stack.yaml) in a pytest subprocess with its own cluster, and
exactly the checks that guard what the variant breaks turn red; every other check passes or
skips. A suite that stays green on a broken stack, or goes red on a healthy part, fails here.

The variants run concurrently (each in its own throwaway cluster, most of their time spent
waiting on the cluster), at most MAX_CONCURRENT at a time, so all of them fit in a few
minutes on two cores."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
BROKEN = ROOT / "fixtures" / "broken"
#: Clusters up at once: each is one node container; more than this starves a 2-core machine.
MAX_CONCURRENT = 3
#: A variant's whole run: node up, images imported, provisioning, the selected suites
#: (wrong-scrape-port, waiting out its two red metric checks, took 560 s on a loaded machine).
RUN_TIMEOUT_S = 900
NOT_DISRUPTIVE = ("-m", "not disruptive")
#: The alert round trip is disruptive (it scales the app to zero) but runs on our own cluster.
WITH_ALERTS = ("-m", "not disruptive or alert")

SAMPLE_APP_METRICS = (
    "metric_flows_into_prometheus[sample-app/metric/sum(sample_app_ticks_total)]",
    "metric_flows_into_prometheus[sample-app/metric/sum(sample_app_requests_total)]",
)
SAMPLE_APP_DOWN = "test_alert_fires_reaches_alertmanager_and_resolves[sample-app/alert/"
NO_STRAY_ALERT = "test_no_alert_fires_while_the_stack_is_healthy"
FILESYSTEM_ALERT_ROUTING = (
    "test_alert_fires_reaches_alertmanager_and_resolves[node-exporter/alert/NodeFilesystemFillingUp"
)
RULE_UNIT_TESTS = "test_the_stacks_rule_unit_tests_pass"
RULE_SELECTORS = "test_every_rule_selector_matches_a_live_series"
#: The report's one check for a stack that did not come up (pytest_plugin/report.py).
STACK_COMES_UP = "stack::the stack comes up"
#: How every check that needs a stack which did not come up is skipped.
SKIPPED_FOR_THE_STACK = "the stack did not come up: "
#: Checks that need no stack: they still pass when provisioning fails.
WITHOUT_STACK = ("test_smoke.py::", "test_node.py::test_the_control_plane_processes_run")


@dataclass(frozen=True)
class Variant:
    """A broken stack, the selection of checks it runs, and what must turn red: every check
    whose id contains one of `caught_by`, each with `reason` in its message; or, with
    `provisioning_fails`, the one requirement "the stack comes up" (its evidence saying
    `reason`), with every check that needs the stack skipped."""

    name: str
    selection: tuple[str, ...]
    caught_by: tuple[str, ...]
    #: What the red checks' messages (or evidence) must say: one text, or several.
    reason: str | tuple[str, ...]
    provisioning_fails: bool = False

    def reasons(self) -> tuple[str, ...]:
        return (self.reason,) if isinstance(self.reason, str) else self.reason


VARIANTS = (
    Variant(
        "wrong-service-selector",
        NOT_DISRUPTIVE,
        (),
        # Named once the component settles, not as the symptoms of every check behind it.
        "spec.selector {app.kubernetes.io/name: sample-ap} matches no pod",
        provisioning_fails=True,
    ),
    Variant(
        "wrong-scrape-port",
        NOT_DISRUPTIVE,
        # The target down makes TargetDown and SampleAppDown pending on a "healthy" stack.
        ("test_every_scrape_target_is_up", *SAMPLE_APP_METRICS, NO_STRAY_ALERT),
        "",
    ),
    Variant(
        "failing-readiness-probe",
        NOT_DISRUPTIVE,
        (),
        "Readiness probe failed",
        provisioning_fails=True,
    ),
    Variant(
        "missing-image",
        NOT_DISRUPTIVE,
        (),
        "homelab-acceptance/sample-app:1.0.1 is not present locally and has no build recipe",
        provisioning_fails=True,
    ),
    Variant(
        "requests-above-capacity",
        NOT_DISRUPTIVE,
        (),
        "Insufficient cpu",
        provisioning_fails=True,
    ),
    Variant(
        "broken-alert-expression",
        WITH_ALERTS,
        # The rule fires while the stack is healthy: the stray-alert check sees it first; its
        # selector matches no series, which the rule-selector check names at steady state; the
        # stack's rule unit test expects it quiet 10 s after the app went down (promtool).
        (SAMPLE_APP_DOWN, NO_STRAY_ALERT, RULE_SELECTORS, RULE_UNIT_TESTS),
        "",
    ),
    Variant(
        "wrong-alertmanager-address",
        WITH_ALERTS,
        # The Watchdog, firing in Prometheus, never reaches Alertmanager either.
        (
            "test_prometheus_sends_alerts_to_the_declared_alertmanager",
            SAMPLE_APP_DOWN,
            NO_STRAY_ALERT,
        ),
        "",
    ),
    Variant(
        "alert-routed-to-nobody",
        WITH_ALERTS,
        # The one with a cause, as Alertmanager routes it live; the one without, on the tree.
        (SAMPLE_APP_DOWN, FILESYSTEM_ALERT_ROUTING),
        # Alertmanager's own routing of the live alert, as soon as it holds it.
        "routed to ['watchdog']; the routing tree does not send it to homelab-webhook",
    ),
    Variant(
        "unreachable-webhook",
        WITH_ALERTS,
        (SAMPLE_APP_DOWN,),
        "a firing notification of SampleAppDown from receiver homelab-webhook at the sink",
    ),
    Variant(
        "oom-killed-at-start",
        NOT_DISRUPTIVE,
        (),
        # Named as soon as the kubelet has restarted it a few times (not after the 180 s
        # settle deadline), with the component, how it ended and its limit.
        ("component hungry cannot settle", "last ended: OOMKilled (memory limit 16Mi)"),
        provisioning_fails=True,
    ),
    Variant(
        "stray-firing-alert",
        NOT_DISRUPTIVE,
        (NO_STRAY_ALERT,),
        ("alert PrometheusScrapingNothing firing", "expression: count(up) > 0"),
    ),
    Variant(
        "restarting-container",
        NOT_DISRUPTIVE,
        ("test_no_container_of_the_stack_restarted_since_it_settled",),
        "(last ended: Error with exit code 3)",
    ),
    Variant(
        "state-on-emptydir",
        # The node-restart check is disruptive: select it by name beside the others.
        ("-k", "not disruptive or node_restart_takes_every_component"),
        (
            "test_a_node_restart_takes_every_component_down_and_back_within_the_budgets",
            # Seen here: the claim nobody mounts stays Pending, and re-applying the stack
            # reports it "configured".
            "test_reapplying_the_stack_changes_nothing",
        ),
        "",
    ),
)


@dataclass(frozen=True)
class Outcome:
    """One check's result in a variant's results.json: passed, failed, skipped, error, …"""

    check: str
    result: str
    message: str
    #: The check's evidence, as JSON text (a long reason is there whole, its message is cut).
    evidence: str = ""


@dataclass(frozen=True)
class Run:
    exit_code: int
    outcomes: list[Outcome]


def run_suites(variant: Variant, reports: Path) -> Run:
    """The suites against the variant's stack, in a pytest session of their own; its outcome
    as the harness's own report (results.json) says, which also holds requirements no test
    stands for ("the stack comes up")."""
    command = [
        sys.executable, "-m", "pytest", "suites", "-p", "no:cacheprovider", "-q",
        f"--stack={BROKEN / variant.name / 'stack.yaml'}", "--report-dir", str(reports),
        *variant.selection,
    ]  # fmt: skip
    ran = subprocess.run(command, cwd=ROOT, capture_output=True, timeout=RUN_TIMEOUT_S, check=False)
    results = reports / "results.json"
    if not results.exists():
        tail = ran.stdout.decode(errors="replace")[-2000:]
        pytest.fail(f"{variant.name}: the suites wrote no results.json; output: {tail}")
    checks = json.loads(results.read_text(encoding="utf-8"))["checks"]
    outcomes = [
        Outcome(c["id"], c["status"], c["message"], json.dumps(c["evidence"])) for c in checks
    ]
    return Run(ran.returncode, outcomes)


@pytest.fixture(scope="module")
def runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[Run]]]:
    """Every selected variant's run, started at once (bounded), awaited by its own test."""
    selected = {
        variant.name
        for item in request.session.items
        if isinstance(item, pytest.Function) and hasattr(item, "callspec")
        if isinstance(variant := item.callspec.params.get("variant"), Variant)
    }
    reports = tmp_path_factory.mktemp("detection-power")
    with ThreadPoolExecutor(max_workers=MAX_CONCURRENT) as pool:
        yield {
            v.name: pool.submit(run_suites, v, reports / v.name)
            for v in VARIANTS
            if v.name in selected
        }


def is_caught_by(variant: Variant, outcome: Outcome) -> bool:
    if variant.provisioning_fails:
        return outcome.check == STACK_COMES_UP
    return any(part in outcome.check for part in variant.caught_by)


def needs_the_stack(outcome: Outcome) -> bool:
    if outcome.check == STACK_COMES_UP or any(p in outcome.check for p in WITHOUT_STACK):
        return False
    # A check skipped before it needed the stack (an empty parameter set) ran nothing.
    return not outcome.message.startswith("got empty parameter set")


@pytest.mark.detection_power
@pytest.mark.parametrize("variant", [pytest.param(v, id=v.name) for v in VARIANTS])
def test_the_right_checks_fail_and_no_other(variant: Variant, runs: dict[str, Future[Run]]) -> None:
    run = runs[variant.name].result()
    outcomes = run.outcomes
    red = {o.check: o for o in outcomes if o.result in ("failed", "error")}
    expected = {o.check for o in outcomes if is_caught_by(variant, o)}
    if variant.provisioning_fails:
        # A stack that does not come up is a rejected stack: one failed requirement naming the
        # reason, and every check behind it skipped with that reason, not N copies of it.
        came_up = red.get(STACK_COMES_UP)
        assert came_up is not None, f"{variant.name}: no failed 'the stack comes up': {red}"
        for reason in variant.reasons():
            assert reason in came_up.evidence, f"{variant.name}: {came_up.evidence}"
        not_skipped = [
            o.check for o in outcomes
            if needs_the_stack(o)
            if o.result != "skipped" or not o.message.startswith(SKIPPED_FOR_THE_STACK)
        ]  # fmt: skip
        assert not not_skipped, f"{variant.name}: not skipped with the reason: {not_skipped}"
    else:
        missed = sorted(expected - red.keys())
        assert not missed, f"{variant.name}: still green although broken: {missed}"
        unmatched = [p for p in variant.caught_by if not any(p in check for check in expected)]
        assert not unmatched, f"{variant.name}: no such check was run: {unmatched}"
        for check in expected:
            found = red[check]
            for reason in variant.reasons():
                assert reason in found.message + found.evidence, f"{variant.name}: {found}"
    wrongly_red = sorted(set(red) - expected)
    assert not wrongly_red, f"{variant.name}: red although not broken: {wrongly_red}"
    assert run.exit_code == 1, f"{variant.name}: exit code {run.exit_code}, not 1 (rejected)"
