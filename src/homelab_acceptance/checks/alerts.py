"""A declared alert, end to end: its rule is loaded and healthy, it is not firing while the
stack is healthy, it fires in Prometheus when its cause is produced (the declared Deployment
scaled to zero), reaches Alertmanager, and resolves in both after the cause is undone."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from kubernetes import client as k8s

from homelab_acceptance.errors import WaitTimeout
from homelab_acceptance.probes.alertmanager import Alertmanager
from homelab_acceptance.probes.prometheus import Prometheus
from homelab_acceptance.spec import Alert, Component
from homelab_acceptance.waiting import Observation, wait_for


def rule_state(prometheus: Prometheus, name: str) -> dict[str, Any] | None:
    for group in prometheus.rule_groups():
        for rule in group.get("rules", []):
            if rule.get("type") == "alerting" and rule.get("name") == name:
                found: dict[str, Any] = rule
                return found
    return None


def firing(prometheus: Prometheus, name: str) -> bool:
    return any(
        a.get("state") == "firing" and a.get("labels", {}).get("alertname") == name
        for a in prometheus.alerts()
    )


def check_rule_loaded(prometheus: Prometheus, alert: Alert, evidence: dict[str, Any]) -> None:
    def loaded() -> Observation:
        rule = rule_state(prometheus, alert.name)
        if rule is None:
            names = sorted(
                r.get("name", "?") for g in prometheus.rule_groups() for r in g.get("rules", [])
            )
            return Observation(False, f"no alerting rule {alert.name} (loaded: {names})")
        seen = f"health {rule.get('health')}, state {rule.get('state')}"
        if rule.get("lastError"):
            seen += f", lastError {rule['lastError']}"
        return Observation(rule.get("health") == "ok", seen)

    evidence["rule"] = wait_for(
        loaded, awaiting=f"alerting rule {alert.name} loaded and healthy", timeout_s=60, poll_s=1
    ).seen


def check_alert_round_trip(
    api: k8s.ApiClient,
    prometheus: Prometheus,
    alertmanager: Alertmanager,
    *,
    component: Component,
    alert: Alert,
    evidence: dict[str, Any],
    resettle: Callable[[], None],
) -> None:
    """Produce the alert's cause, watch it fire and reach Alertmanager, undo the cause, watch
    it resolve; `resettle` waits until the component has settled again."""
    check_rule_loaded(prometheus, alert, evidence)
    name, deployment = alert.name, alert.scale_to_zero
    if deployment is None:
        evidence["cause"] = "none declared: only the rule's loading and health were checked"
        return
    not_firing = wait_for(
        lambda: Observation(
            not firing(prometheus, name), f"{name} firing: {firing(prometheus, name)}"
        ),
        awaiting=f"{name} not firing while the stack is healthy",
        timeout_s=alert.within_s,
        poll_s=1,
    )
    evidence["before"] = not_firing.seen
    apps = k8s.AppsV1Api(api)
    replicas = apps.read_namespaced_deployment_scale(deployment, component.namespace)
    wanted = replicas.spec.replicas if replicas.spec else 1
    started = time.monotonic()
    apps.patch_namespaced_deployment_scale(
        deployment, component.namespace, {"spec": {"replicas": 0}}
    )
    try:
        wait_for(
            lambda: Observation(firing(prometheus, name), f"{name} not firing yet"),
            awaiting=f"{name} firing in Prometheus after {deployment} was scaled to zero",
            timeout_s=alert.within_s,
            poll_s=1,
        )
        evidence["fired_after_s"] = round(time.monotonic() - started, 1)
        wait_for(
            lambda: _in_alertmanager(alertmanager, name),
            awaiting=f"{name} active in Alertmanager",
            timeout_s=120,
            poll_s=1,
        )
        evidence["in_alertmanager_after_s"] = round(time.monotonic() - started, 1)
    finally:
        apps.patch_namespaced_deployment_scale(
            deployment, component.namespace, {"spec": {"replicas": wanted}}
        )
    undone = time.monotonic()
    resettle()
    try:
        wait_for(
            lambda: Observation(not firing(prometheus, name), f"{name} still firing"),
            awaiting=f"{name} resolved in Prometheus after {deployment} came back",
            timeout_s=alert.within_s,
            poll_s=1,
        )
        wait_for(
            lambda: _gone_from_alertmanager(alertmanager, name),
            awaiting=f"{name} resolved in Alertmanager",
            timeout_s=alert.within_s,
            poll_s=1,
        )
    except WaitTimeout:
        evidence["resolve_waited_s"] = round(time.monotonic() - undone, 1)
        raise
    evidence["resolved_after_s"] = round(time.monotonic() - undone, 1)


def _in_alertmanager(alertmanager: Alertmanager, name: str) -> Observation:
    states = [a.get("status", {}).get("state") for a in alertmanager.alerts(name)]
    return Observation("active" in states, f"Alertmanager holds {name}: {states or 'none'}")


def _gone_from_alertmanager(alertmanager: Alertmanager, name: str) -> Observation:
    states = [a.get("status", {}).get("state") for a in alertmanager.alerts(name)]
    return Observation("active" not in states, f"Alertmanager still holds {name}: {states}")
