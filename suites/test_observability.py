"""The observability stack itself: Prometheus ready, every scrape target up, the alert rules
loaded and evaluating without errors, every rule's selectors matching live series (a rule whose
selector matches nothing can never fire), the stack's rule unit tests passing promtool, no
alert firing while the stack is healthy (but a declared heartbeat, which must), Prometheus
connected to Alertmanager, and, where the stack has them, Grafana healthy, its datasources
healthy and a query through it returning data, and a log line written during the test found in
Loki. (The data flow of each declared metric and alert is in test_stack.py.)"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest
from kubernetes import client as k8s

from homelab_acceptance.checks.grafana_checks import (
    check_datasources_healthy,
    check_grafana_healthy,
    check_query_through_grafana,
)
from homelab_acceptance.checks.log_flow import check_unique_line_reaches_loki
from homelab_acceptance.checks.rule_selectors import dead_selectors, untested_alerts
from homelab_acceptance.checks.rule_unit_tests import run_rule_tests
from homelab_acceptance.checks.stray_alerts import (
    heartbeats_firing,
    rules_evaluated_afresh,
    stray_alerts,
)
from homelab_acceptance.checks.targets import all_targets_scraped, all_targets_up
from homelab_acceptance.probes.alertmanager import Alertmanager
from homelab_acceptance.probes.grafana import Grafana
from homelab_acceptance.probes.prometheus import Prometheus
from homelab_acceptance.probes.service_proxy import ServiceProxy
from homelab_acceptance.spec import ServiceRef, Stack
from homelab_acceptance.waiting import Observation, wait_for

pytestmark = pytest.mark.requirement(
    "observability-data-flows",
    "Observability works: targets scraped, rules evaluate, alerts reach Alertmanager, Grafana "
    "answers from its datasources",
)


def test_prometheus_is_ready(prometheus: Prometheus, evidence: dict[str, Any]) -> None:
    def look() -> Observation:
        ready, seen = prometheus.ready()
        return Observation(ready, seen)

    evidence["ready"] = wait_for(look, awaiting="Prometheus /-/ready", timeout_s=60).seen


def test_every_scrape_target_is_up(prometheus: Prometheus, evidence: dict[str, Any]) -> None:
    evidence["targets"] = wait_for(
        lambda: all_targets_up(prometheus),
        awaiting="every active scrape target up",
        timeout_s=90,
        poll_s=2,
    ).seen


def test_alert_rules_are_loaded_and_evaluate_without_errors(
    prometheus: Prometheus, evidence: dict[str, Any]
) -> None:
    def look() -> Observation:
        rules = [r for g in prometheus.rule_groups() for r in g.get("rules", [])]
        if not rules:
            return Observation(False, "no rules loaded")
        broken = [
            f"{r.get('name')}: {r.get('health')} {r.get('lastError', '')}".strip()
            for r in rules
            if r.get("health") != "ok"
        ]
        names = ", ".join(sorted(str(r.get("name")) for r in rules))
        return Observation(not broken, "; ".join(broken) or f"{len(rules)} rules ok: {names}")

    evidence["rules"] = wait_for(
        look, awaiting="every rule loaded and healthy", timeout_s=60, poll_s=2
    ).seen


def test_no_alert_fires_while_the_stack_is_healthy(
    request: pytest.FixtureRequest, prometheus: Prometheus, stack: Stack, evidence: dict[str, Any]
) -> None:
    """No alert fires or is pending at steady state, but those declared always firing.

    Steady state: every scrape target scraped once, then every rule group evaluated again.
    Each alert firing or pending in Prometheus, or active in Alertmanager, is named with its
    labels and expression; an always-firing one (observability.always_firing, a Watchdog)
    must fire, and reach Alertmanager where one is declared."""
    always = stack.observability.always_firing
    alertmanager: Alertmanager | None = None
    if stack.observability.alertmanager is not None:
        alertmanager = request.getfixturevalue("alertmanager")
    _await_steady_state(prometheus)
    stray = stray_alerts(prometheus, alertmanager, always)
    evidence["stray_alerts"] = stray
    assert not stray, (
        f"{len(stray)} alert(s) fire while the stack is healthy (declare a heartbeat in "
        f"observability.always_firing): {'; '.join(stray)}"
    )
    if always:
        evidence["always_firing"] = wait_for(
            lambda: heartbeats_firing(prometheus, alertmanager, always),
            awaiting=f"the always-firing alert(s) {', '.join(always)} firing",
            timeout_s=90,
            poll_s=2,
        ).seen


def test_every_rule_selector_matches_a_live_series(
    prometheus: Prometheus, stack: Stack, evidence: dict[str, Any]
) -> None:
    """A rule whose selector matches nothing watches nothing: at steady state each
    series selector of every alerting and recording rule matches at least one series, else the
    rule, the selector and the values its labels do have are named. The alerting rules no
    declared alert stands for (expect.alerts, always_firing) are listed as untested."""
    _await_steady_state(prometheus)
    dead, asked = dead_selectors(prometheus)
    declared = {a.name for c in stack.components for a in c.expect.alerts}
    evidence["selectors_asked"] = asked
    evidence["dead_selectors"] = dead
    evidence["untested_alerts"] = untested_alerts(
        prometheus, declared | set(stack.observability.always_firing)
    )
    assert not dead, (
        f"{len(dead)} rule selector(s) match no series at steady state (a typo in a label, a "
        f"renamed metric, a target not scraped: the rule watches nothing): {'; '.join(dead)}"
    )


def test_the_stacks_rule_unit_tests_pass(
    kube_api: k8s.ApiClient, prometheus: Prometheus, stack: Stack, evidence: dict[str, Any]
) -> None:
    """Each of the stack's rule unit tests (observability.rule_tests) passes `promtool test
    rules` in the Prometheus pod, against the rules Prometheus has loaded."""
    service = stack.observability.prometheus
    if not stack.observability.rule_tests or service is None:
        pytest.skip(f"the stack declares no rule tests (observability.rule_tests in {stack.path})")
    failed = []
    for tests in stack.observability.rule_tests:
        code, output = run_rule_tests(kube_api, service, prometheus, tests)
        evidence[tests.name] = {"exit_code": code, "promtool": output[-4000:]}
        if code == 127:
            failed.append(f"{tests}: no promtool in the Prometheus pod's image: {output.strip()}")
        elif code != 0:
            failed.append(f"{tests}: promtool test rules exited {code}: {' '.join(output.split())}")
    assert not failed, "; ".join(failed)


def _await_steady_state(prometheus: Prometheus) -> None:
    """Every scrape target scraped at least once, then every rule group evaluated again."""
    wait_for(
        lambda: all_targets_scraped(prometheus),
        awaiting="every scrape target scraped at least once",
        timeout_s=90,
        poll_s=2,
    )
    wait_for(
        rules_evaluated_afresh(prometheus),
        awaiting="every rule group evaluated again",
        timeout_s=90,
        poll_s=1,
    )


def test_prometheus_sends_alerts_to_the_declared_alertmanager(
    prometheus: Prometheus, stack: Stack, evidence: dict[str, Any]
) -> None:
    """Prometheus lists every configured Alertmanager as active whether or not anything
    answers there, so the check compares the addresses with the stack's declared one."""
    declared = stack.observability.alertmanager
    if declared is None:
        pytest.skip(
            f"the stack declares no alertmanager (observability.alertmanager in {stack.path})"
        )

    def look() -> Observation:
        active = prometheus.data("/api/v1/alertmanagers")["activeAlertmanagers"]
        urls = [str(a.get("url")) for a in active]
        matching = [url for url in urls if _names_service(url, declared)]
        return Observation(
            bool(matching), f"active Alertmanagers: {urls or 'none'}; declared {declared}"
        )

    evidence["alertmanagers"] = wait_for(
        look,
        awaiting=f"Prometheus sending to the declared Alertmanager {declared}",
        timeout_s=60,
        poll_s=2,
    ).seen


def _names_service(url: str, service: ServiceRef) -> bool:
    """Whether an Alertmanager URL points at the Service (by its DNS name) on its port."""
    parsed = urlparse(url)
    host = parsed.hostname or ""
    by_name = host == service.name or host.startswith(f"{service.name}.{service.namespace}")
    return by_name and parsed.port == service.port


def test_grafana_is_healthy(grafana: Grafana, evidence: dict[str, Any]) -> None:
    check_grafana_healthy(grafana, evidence)


def test_every_grafana_datasource_is_healthy(grafana: Grafana, evidence: dict[str, Any]) -> None:
    check_datasources_healthy(grafana, evidence)


def test_a_query_through_grafana_returns_data(grafana: Grafana, evidence: dict[str, Any]) -> None:
    check_query_through_grafana(grafana, evidence)


def test_a_unique_log_line_reaches_loki(
    kube_api: k8s.ApiClient,
    loki: ServiceProxy,
    probe_pod: tuple[str, str],
    evidence: dict[str, Any],
) -> None:
    check_unique_line_reaches_loki(kube_api, loki, probe_pod, evidence)
