"""A declared alert, end to end: its rule is loaded and healthy, it is not firing while the
stack is healthy, it goes pending and fires in Prometheus when its cause is produced (the
declared Deployment scaled to zero), reaches Alertmanager routed to the declared receiver, is
delivered to the stack's notification sink, and resolves in both after the cause is undone,
with a resolved notification; every step's time since the cause is evidence."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from kubernetes import client as k8s

from homelab_acceptance.checks.alert_deadlines import deadlines_from
from homelab_acceptance.checks.alert_routing import receivers_for, route_matchers
from homelab_acceptance.errors import WaitTimeout
from homelab_acceptance.probes.alertmanager import Alertmanager
from homelab_acceptance.probes.notification_sink import NotificationSink
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
    sink: NotificationSink | None = None,
) -> None:
    """Produce the alert's cause, watch it go pending and fire in Prometheus, reach Alertmanager
    routed to the declared receiver, and be delivered to the sink; undo the cause, watch it
    resolve in both and the resolved notification arrive. `resettle` waits until the component
    has settled again. Each step's time since the cause is in evidence["timeline_s"]."""
    check_rule_loaded(prometheus, alert, evidence)
    name, deployment = alert.name, alert.scale_to_zero
    if deployment is None:
        evidence["cause"] = "none declared: the rule's loading and health were checked" + (
            ", and its routing" if alert.receiver else ""
        )
        if alert.receiver is not None:
            check_declared_routing(prometheus, alertmanager, alert, evidence)
        return
    deadlines = deadlines_from(prometheus, alert)
    evidence["deadlines"] = deadlines.how
    not_firing = wait_for(
        lambda: Observation(
            not firing(prometheus, name), f"{name} firing: {firing(prometheus, name)}"
        ),
        awaiting=f"{name} not firing while the stack is healthy",
        timeout_s=deadlines.fire_s,
        poll_s=1,
    )
    evidence["before"] = not_firing.seen
    timeline = Timeline(evidence)
    apps = k8s.AppsV1Api(api)
    replicas = apps.read_namespaced_deployment_scale(deployment, component.namespace)
    wanted = replicas.spec.replicas if replicas.spec else 1
    timeline.mark("cause")
    apps.patch_namespaced_deployment_scale(
        deployment, component.namespace, {"spec": {"replicas": 0}}
    )
    try:
        wait_for(
            lambda: _firing_noting_pending(prometheus, name, timeline),
            awaiting=f"{name} firing in Prometheus after {deployment} was scaled to zero",
            timeout_s=deadlines.fire_s,
            poll_s=1,
        )
        timeline.mark("firing")
        evidence["fired_after_s"] = timeline.since_cause()
        evidence["routed_to"] = wait_for(
            lambda: in_alertmanager(alertmanager, name, alert.receiver),
            awaiting=f"{name} active in Alertmanager"
            + (f", routed to receiver {alert.receiver}" if alert.receiver else ""),
            timeout_s=120,
            poll_s=1,
        ).seen
        timeline.mark("in_alertmanager")
        evidence["in_alertmanager_after_s"] = timeline.since_cause()
        if sink is not None:
            _await_notification(sink, alert, "firing", since=timeline.wall("cause"))
            timeline.mark("notified")
    finally:
        apps.patch_namespaced_deployment_scale(
            deployment, component.namespace, {"spec": {"replicas": wanted}}
        )
    timeline.mark("undone")
    resettle()
    try:
        wait_for(
            lambda: Observation(not firing(prometheus, name), f"{name} still firing"),
            awaiting=f"{name} resolved in Prometheus after {deployment} came back",
            timeout_s=deadlines.resolve_s,
            poll_s=1,
        )
        timeline.mark("resolved")
        wait_for(
            lambda: _gone_from_alertmanager(alertmanager, name),
            awaiting=f"{name} resolved in Alertmanager",
            timeout_s=deadlines.resolve_s,
            poll_s=1,
        )
        timeline.mark("resolved_in_alertmanager")
        if sink is not None:
            _await_notification(sink, alert, "resolved", since=timeline.wall("undone"))
            timeline.mark("resolved_notified")
    except WaitTimeout:
        evidence["resolve_waited_s"] = round(timeline.since("undone"), 1)
        raise
    evidence["resolved_after_s"] = round(timeline.since("undone"), 1)


def check_declared_routing(
    prometheus: Prometheus, alertmanager: Alertmanager, alert: Alert, evidence: dict[str, Any]
) -> None:
    """The declared receiver is where the live Alertmanager's routing tree sends the alert
    with its rule's own labels (checks/alert_routing.py); the inhibition rules that could hold
    it back are named in the evidence."""
    rule = rule_state(prometheus, alert.name) or {}
    labels = {str(k): str(v) for k, v in (rule.get("labels") or {}).items()}
    labels["alertname"] = alert.name
    config = alertmanager.loaded_config()
    routed = sorted(set(receivers_for(config, labels)))
    evidence["routing"] = {
        "labels": labels,
        "routed_to": routed,
        "inhibited_while": [
            ", ".join(m.label + m.operator + m.value for m in _inhibit_matchers(r, "source"))
            for r in config.get("inhibit_rules") or []
            if all(m.matches(labels) for m in _inhibit_matchers(r, "target"))
        ],
    }
    assert alert.receiver in routed, (
        f"alert {alert.name} with its rule's labels {labels} is routed to {routed}; the routing "
        f"tree does not send it to {alert.receiver} (the live Alertmanager's config)"
    )


def _inhibit_matchers(inhibit_rule: dict[str, Any], side: str) -> list[Any]:
    """An inhibition rule's `source` or `target` matchers, in any of the three spellings."""
    return route_matchers(
        {
            "matchers": inhibit_rule.get(f"{side}_matchers"),
            "match": inhibit_rule.get(f"{side}_match"),
            "match_re": inhibit_rule.get(f"{side}_match_re"),
        }
    )


#: Alertmanager's group_wait, group_interval and retries between an alert it holds and the
#: notification (the reference config waits 5 s and 10 s).
NOTIFICATION_TIMEOUT_S = 120.0


class Timeline:
    """When each step of the round trip was seen, as seconds since the cause, in evidence."""

    def __init__(self, evidence: dict[str, Any]) -> None:
        self._at: dict[str, float] = {}
        self._wall: dict[str, float] = {}
        self._seconds: dict[str, float] = evidence.setdefault("timeline_s", {})

    def mark(self, step: str) -> None:
        if step in self._at:
            return
        self._at[step] = time.monotonic()
        self._wall[step] = time.time()
        self._seconds[step] = round(self._at[step] - self._at.get("cause", self._at[step]), 1)

    def since(self, step: str) -> float:
        return time.monotonic() - self._at[step]

    def since_cause(self) -> float:
        return round(self.since("cause"), 1)

    def wall(self, step: str) -> float:
        """The step's wall-clock time (UNIX seconds), to compare with the sink's clock."""
        return self._wall[step]


def _firing_noting_pending(prometheus: Prometheus, name: str, timeline: Timeline) -> Observation:
    states = {
        str(a.get("state"))
        for a in prometheus.alerts()
        if a.get("labels", {}).get("alertname") == name
    }
    if states & {"pending", "firing"}:
        timeline.mark("pending")
    return Observation("firing" in states, f"{name}: {sorted(states) or 'inactive'}")


def in_alertmanager(alertmanager: Alertmanager, name: str, receiver: str | None) -> Observation:
    """Active in Alertmanager (and routed to `receiver`, when given). Routed elsewhere, or held
    back by an inhibition or a silence, is Alertmanager's final word: hopeless at once."""
    held = alertmanager.alerts(name)
    states = [a.get("status", {}).get("state") for a in held]
    routed = sorted({r.get("name") for a in held for r in a.get("receivers", [])})
    seen = f"Alertmanager holds {name}: {states or 'none'}, routed to {routed or 'none'}"
    for held_alert in held:
        status = held_alert.get("status", {})
        if status.get("inhibitedBy") or status.get("silencedBy"):
            return Observation(
                False,
                f"{seen}; inhibited by {status.get('inhibitedBy') or []}, "
                f"silenced by {status.get('silencedBy') or []}",
                hopeless=True,
            )
    if "active" not in states:
        return Observation(False, seen)
    if receiver is not None and receiver not in routed:
        return Observation(
            False, f"{seen}; the routing tree does not send it to {receiver}", hopeless=True
        )
    return Observation(True, seen)


def _await_notification(sink: NotificationSink, alert: Alert, status: str, *, since: float) -> None:
    via = f" from receiver {alert.receiver}" if alert.receiver else ""
    wait_for(
        lambda: notified(sink, alert.name, status, alert.receiver, since),
        awaiting=f"a {status} notification of {alert.name}{via} at the sink",
        timeout_s=NOTIFICATION_TIMEOUT_S,
        poll_s=1,
    )


def notified(
    sink: NotificationSink, name: str, status: str, receiver: str | None, since: float
) -> Observation:
    """A notification of `name` in `status` at the sink since `since` (from `receiver`)."""
    arrived = sink.notifications(since=since - 1.0)
    for notification in arrived:
        if notification.status_of(name) == status and receiver in (None, notification.receiver):
            return Observation(True, notification.summary())
    seen = [n.summary() for n in arrived[-5:]]
    return Observation(False, f"the sink received {len(arrived)} since: {seen or 'nothing'}")


def _gone_from_alertmanager(alertmanager: Alertmanager, name: str) -> Observation:
    states = [a.get("status", {}).get("state") for a in alertmanager.alerts(name)]
    return Observation("active" not in states, f"Alertmanager still holds {name}: {states}")
