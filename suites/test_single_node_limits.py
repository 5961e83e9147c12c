"""The documented limits of a single-node homelab, measured: a node restart takes everything
down (within the declared budgets), one node cannot place replicas apart, a drain has nowhere
to move pods to, and there is no second node to scale onto.

A passing check marked `limitation` is a *confirmed limitation*, with its figures in the
evidence; a limit worse than its declared bound, or one that does not show up at all, fails.
Every check leaves the stack as it found it (the disruptive ones wait until it is healthy
again). Every target comes from the stack spec: the restart and drain checks watch each declared
endpoint with a `node_port` (and the API), state across the restart is shown on each claim of
`limits.persistent_storage`; the placement and capacity checks run the harness's own probe
image."""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from kubernetes import client as k8s

from homelab_acceptance.checks.node_capacity import node_capacity, schedulable_nodes
from homelab_acceptance.checks.scheduling import unscheduled_reason
from homelab_acceptance.checks.scrape_gaps import (
    instant_vector_at,
    job_recovery,
    scrapes_by_job,
    typical_interval_s,
)
from homelab_acceptance.checks.storage_markers import claim_facts, read_marker, write_marker
from homelab_acceptance.cluster import Cluster
from homelab_acceptance.faults.availability import AvailabilityProber, ProbeTarget
from homelab_acceptance.faults.availability_targets import (
    api_readyz_target,
    node_port_targets,
)
from homelab_acceptance.faults.node_drain import (
    cordoned,
    disruption_budget,
    evict,
    policy_api_version,
)
from homelab_acceptance.kube.namespaces import labelled_namespace
from homelab_acceptance.kube.pods import exec_in_pod, sleeping_pod, wait_pod_running
from homelab_acceptance.probes.prometheus import Prometheus, PrometheusQueryError
from homelab_acceptance.pytest_plugin.session_state import run_identity_key
from homelab_acceptance.pytest_plugin.stack_fixtures import ProvisionedStack
from homelab_acceptance.run_identity import LABEL, RunIdentity
from homelab_acceptance.spec import Component, Limits, Stack
from homelab_acceptance.waiting import Observation, wait_for

pytestmark = pytest.mark.requirement(
    "single-node-limits",
    "The single-node limits are as documented, within their budgets",
)

#: A file on the probe's in-memory emptyDir: a node restart empties it.
SCRATCH_FILE = "/scratch/limits-marker"
#: How long the drained app must be seen down while the node is cordoned: longer than the
#: few seconds a pod takes to start here, so a failover would have shown.
STRANDED_FOR_S = 5.0
#: A counter Prometheus keeps about itself: its value at a past instant is history.
HISTORY_EXPR = "prometheus_tsdb_head_samples_appended_total"


@pytest.fixture
def identity(request: pytest.FixtureRequest) -> RunIdentity:
    return request.config.stash[run_identity_key]


@pytest.fixture
def restart_budgets(stack: Stack) -> Limits:
    limits = stack.limits
    if limits.downtime_budget_s is None or limits.recovery_budget_s is None:
        pytest.skip(f"{stack.path} declares no limits.node_restart budgets")
    return limits


@pytest.fixture(scope="module")
def limits_namespace(
    request: pytest.FixtureRequest, kube_api: k8s.ApiClient, provisioned_stack: ProvisionedStack
) -> Iterator[str]:
    """A labelled namespace for the workloads these checks create; deleted afterwards."""
    with labelled_namespace(kube_api, request.config.stash[run_identity_key], "limits") as name:
        yield name


# -- node restart --------------------------------------------------------------------------


@pytest.mark.disruptive
@pytest.mark.limitation("single point of failure")
def test_a_node_restart_takes_every_component_down_and_back_within_the_budgets(
    request: pytest.FixtureRequest,
    cluster: Cluster,
    kube_api: k8s.ApiClient,
    provisioned_stack: ProvisionedStack,
    busybox_image: str,
    limits_namespace: str,
    restart_budgets: Limits,
    identity: RunIdentity,
    evidence: dict[str, Any],
) -> None:
    stack = provisioned_stack.stack
    # Prometheus's own view of the restart (scrape gaps, history kept) where the stack has one.
    prometheus: Prometheus | None = (
        request.getfixturevalue("prometheus") if stack.observability.prometheus else None
    )
    assert restart_budgets.downtime_budget_s is not None
    assert restart_budgets.recovery_budget_s is not None
    downtime_budget, recovery_budget = (
        restart_budgets.downtime_budget_s,
        restart_budgets.recovery_budget_s,
    )
    targets = [api_readyz_target(cluster), *node_port_targets(cluster, stack)]
    evidence["watched"] = [target.name for target in targets]
    note = f"limits-{identity.run_id}-{uuid.uuid4().hex[:8]}"
    claims = [claim_facts(kube_api, claim) for claim in stack.limits.persistent_storage]
    evidence["claims_before"] = [facts.as_evidence() for facts in claims]
    problems = [facts.problem for facts in claims if facts.problem]
    assert not problems, "; ".join(str(p) for p in problems)
    for claim in stack.limits.persistent_storage:
        write_marker(kube_api, identity, claim, busybox_image, note)
    scratch_pod = _scratch_pod(kube_api, limits_namespace, busybox_image, identity, note)
    if prometheus is not None:
        remembered_at, remembered = _history_now(prometheus)
        jobs_before = _jobs_up(prometheus)

    with AvailabilityProber(targets, max_duration_s=recovery_budget + 60) as prober:
        _wait_all_up(prober, targets, "every target up before the restart", 60)
        began = prober.mark_disruption()
        began_wall = time.time()
        cluster.restart_node()
        back_wall = time.time()
        evidence["node_ready_after_s"] = round(time.monotonic() - began, 1)
        settled: dict[str, float] = {}
        for provisioner in provisioned_stack.lifecycle.provisioners():
            provisioner.wait_settled()
            settled[provisioner.component.name] = round(time.monotonic() - began, 1)
        evidence["component_settled_after_s"] = settled
        _wait_all_up(prober, targets, "every target up after the restart", recovery_budget)
    availability = prober.stop()
    evidence["availability"] = {name: seen.as_evidence() for name, seen in availability.items()}

    for name, seen in availability.items():
        figures = f"{name}: {seen.as_evidence()}"
        assert seen.downtime_s > 0, f"{figures}: never down during a node restart"
        assert seen.downtime_s <= downtime_budget, f"{figures}: over budget {downtime_budget}s"
        assert seen.recovered_after_s is not None, f"{figures}: not back when probing stopped"
        assert seen.recovered_after_s <= recovery_budget, (
            f"{figures}: recovery over budget {recovery_budget}s"
        )
    if prometheus is not None:
        _assert_prometheus_saw_the_restart(
            prometheus, jobs_before, (began_wall, back_wall), restart_budgets, evidence
        )
    markers = {
        f"{claim.namespace}/{claim.claim}": read_marker(kube_api, identity, claim, busybox_image)
        for claim in stack.limits.persistent_storage
    }
    evidence["claim_markers_after"] = markers
    lost = [claim for claim, text in markers.items() if text != note]
    assert not lost, f"the marker written before the restart is gone from the claims {lost}"
    # The probe's scratch emptyDir is memory-backed (tmpfs), so a restart empties it. (A
    # disk-backed emptyDir would survive a reboot with its pod; it goes with the pod.)
    wait_pod_running(kube_api, limits_namespace, scratch_pod, timeout_s=recovery_budget)
    code, _ = exec_in_pod(kube_api, limits_namespace, scratch_pod, ["cat", SCRATCH_FILE])
    evidence["scratch_file_survived_restart"] = {"pod": scratch_pod, "survived": code == 0}
    assert code != 0, f"{SCRATCH_FILE} (in-memory emptyDir) survived the node restart"
    if prometheus is not None:
        after = _history_at(prometheus, remembered_at)
        evidence["prometheus_history"] = {
            "at": remembered_at,
            "before": remembered,
            "after": after,
        }
        assert after == remembered, (
            f"Prometheus's history changed: {HISTORY_EXPR} at {remembered_at:.0f} was "
            f"{remembered}, now {after}"
        )


def _assert_prometheus_saw_the_restart(
    prometheus: Prometheus,
    jobs_before: set[str],
    restart: tuple[float, float],
    budgets: Limits,
    evidence: dict[str, Any],
) -> None:
    """Every job that was up before is scraped up again, and Prometheus's own scrapes show
    the restart as a gap within the downtime budget."""
    began_wall, back_wall = restart
    assert budgets.downtime_budget_s is not None
    assert budgets.recovery_budget_s is not None
    downtime_budget = budgets.downtime_budget_s
    scrapes = _wait_jobs_scraped_up_again(
        prometheus, jobs_before, began_wall, back_wall, budgets.recovery_budget_s
    )
    # Jobs first seen after the restart (a target discovered late) have no "before" to compare.
    recoveries = {job: job_recovery(job, scrapes[job], began_wall) for job in sorted(jobs_before)}
    evidence["prometheus_jobs"] = {job: r.as_evidence() for job, r in recoveries.items()}
    if "prometheus" not in recoveries:
        return  # Prometheus does not scrape itself: no gap of its own to read
    evidence["prometheus_scrape_interval_s"] = round(typical_interval_s(scrapes["prometheus"]), 1)
    own = recoveries["prometheus"]
    interval = typical_interval_s(scrapes["prometheus"])
    assert own.longest_gap_s > 2 * interval, (
        f"Prometheus's own scrapes show no restart gap: longest {own.longest_gap_s:.1f}s, "
        f"interval {interval:.1f}s"
    )
    assert own.longest_gap_s <= downtime_budget, (
        f"Prometheus gone {own.longest_gap_s:.1f}s, over budget {downtime_budget}s"
    )


def _scratch_pod(
    api: k8s.ApiClient, namespace: str, image: str, identity: RunIdentity, note: str
) -> str:
    """The probe pod with an in-memory emptyDir at /scratch, a file written on it."""
    name = "scratch"
    pod = sleeping_pod(name, image, "Never", {LABEL: identity.run_id})
    assert pod.spec is not None
    pod.spec.volumes = [
        k8s.V1Volume(name="scratch", empty_dir=k8s.V1EmptyDirVolumeSource(medium="Memory"))
    ]
    pod.spec.containers[0].volume_mounts = [
        k8s.V1VolumeMount(name="scratch", mount_path="/scratch")
    ]
    k8s.CoreV1Api(api).create_namespaced_pod(namespace, pod)
    wait_pod_running(api, namespace, name)
    command = ["sh", "-c", f"echo {note} > {SCRATCH_FILE} && cat {SCRATCH_FILE}"]
    code, output = exec_in_pod(api, namespace, name, command)
    assert (code, output.strip()) == (0, note), f"writing {SCRATCH_FILE}: exit {code}"
    return name


def _running_pods(api: k8s.ApiClient, namespace: str, selector: dict[str, str]) -> list[str]:
    """The running pods a Service's selector picks (not those being deleted)."""
    labels = ",".join(f"{k}={v}" for k, v in selector.items())
    return sorted(
        str(pod.metadata.name)
        for pod in k8s.CoreV1Api(api).list_namespaced_pod(namespace, label_selector=labels).items
        if pod.status and pod.status.phase == "Running" and not pod.metadata.deletion_timestamp
    )


def _history_at(prometheus: Prometheus, at_s: float) -> list[tuple[str, str]]:
    vector = instant_vector_at(prometheus, HISTORY_EXPR, at_s)
    return sorted((str(sorted(s["metric"].items())), str(s["value"][1])) for s in vector)


def _history_now(prometheus: Prometheus) -> tuple[float, list[tuple[str, str]]]:
    """An instant and what Prometheus knew then, once it has scraped itself (a Prometheus
    just installed may not have yet). The instant is that of the series' newest sample that
    is already stored, not "now": a scrape in flight at "now" carries a timestamp before it
    and lands after the question, so the same instant asked again later answered a larger
    value (seen once). Every sample stored after this one has a later timestamp."""
    seen: list[tuple[float, list[tuple[str, str]]]] = []

    def look() -> Observation:
        try:
            stamps = prometheus.query(f"timestamp({HISTORY_EXPR})")
            if not stamps:
                return Observation(False, f"no {HISTORY_EXPR} sample yet")
            at = min(float(sample["value"][1]) for sample in stamps)
            history = _history_at(prometheus, at)
        except PrometheusQueryError as error:
            return Observation(False, str(error))
        seen[:] = [(at, history)]
        return Observation(bool(history), f"{HISTORY_EXPR}: {history}")

    wait_for(look, awaiting=f"Prometheus to have {HISTORY_EXPR}", timeout_s=60, poll_s=1.0)
    return seen[0]


def _jobs_up(prometheus: Prometheus) -> set[str]:
    return {str(sample["metric"].get("job")) for sample in prometheus.query("up == 1")}


def _wait_all_up(
    prober: AvailabilityProber, targets: list[ProbeTarget], awaiting: str, timeout_s: float
) -> None:
    def look() -> Observation:
        down = []
        for target in targets:
            latest = prober.latest(target.name)
            if latest is None or not latest.ok:
                down.append(f"{target.name}: {latest.error if latest else 'no sample'}")
        return Observation(not down, "; ".join(down) or "all up")

    wait_for(look, awaiting=awaiting, timeout_s=timeout_s, poll_s=0.1)


def _wait_jobs_scraped_up_again(
    prometheus: Prometheus, jobs: set[str], began_wall: float, back_wall: float, timeout_s: float
) -> dict[str, list[tuple[float, float]]]:
    """Raw `up` scrapes of every job from a minute before the restart, once each job that
    was up before has been scraped up again since the node was back (`back_wall`)."""
    scraped: dict[str, list[tuple[float, float]]] = {}

    def look() -> Observation:
        nonlocal scraped
        try:
            scraped = scrapes_by_job(prometheus, "up", began_wall - 60, time.time())
        except PrometheusQueryError as error:
            return Observation(False, str(error))
        waiting = sorted(
            job
            for job in jobs
            if not any(ts > back_wall and value == 1 for ts, value in scraped.get(job, []))
        )
        return Observation(not waiting, f"not yet scraped up again: {waiting}")

    wait_for(
        look, awaiting="every scrape job up again in Prometheus", timeout_s=timeout_s, poll_s=1.0
    )
    return scraped


# -- HA placement --------------------------------------------------------------------------


@pytest.mark.limitation("no HA placement")
def test_replicas_kept_apart_by_anti_affinity_cannot_all_be_placed(
    kube_api: k8s.ApiClient,
    busybox_image: str,
    limits_namespace: str,
    identity: RunIdentity,
    evidence: dict[str, Any],
) -> None:
    name = "spread"
    labels = {"app.kubernetes.io/name": name, LABEL: identity.run_id}
    anti_affinity = {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {
                    "labelSelector": {"matchLabels": {"app.kubernetes.io/name": name}},
                    "topologyKey": "kubernetes.io/hostname",
                }
            ]
        }
    }
    k8s.AppsV1Api(kube_api).create_namespaced_deployment(
        limits_namespace,
        _deployment(
            name, labels, busybox_image, replicas=3, extra_spec={"affinity": anti_affinity}
        ),
    )
    seen = _wait_placement(kube_api, limits_namespace, name, running=1, pending=2)
    evidence.update(seen)
    reasons = seen["pending_reasons"]
    assert all("anti-affinity" in reason for reason in reasons), reasons


def _deployment(
    name: str,
    labels: dict[str, str],
    image: str,
    *,
    replicas: int,
    extra_spec: dict[str, Any] | None = None,
    requests: dict[str, str] | None = None,
) -> dict[str, Any]:
    container = {
        "name": name,
        "image": image,
        "imagePullPolicy": "Never",
        "command": ["sleep", "86400"],
        "resources": {"requests": requests or {"cpu": "10m", "memory": "32Mi"}},
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [container], **(extra_spec or {})},
            },
        },
    }


def _wait_placement(
    api: k8s.ApiClient, namespace: str, name: str, *, running: int, pending: int
) -> dict[str, Any]:
    """Wait until exactly `running` pods run and `pending` pods wait with the scheduler's
    reason; what was seen then."""
    seen: dict[str, Any] = {}

    def look() -> Observation:
        pods = (
            k8s.CoreV1Api(api)
            .list_namespaced_pod(namespace, label_selector=f"app.kubernetes.io/name={name}")
            .items
        )
        up = [p for p in pods if p.status and p.status.phase == "Running"]
        waiting = [p for p in pods if p.status and p.status.phase == "Pending"]
        reasons = [unscheduled_reason(api, p) for p in waiting]
        seen.clear()
        seen.update(
            running=len(up),
            pending=len(waiting),
            pending_reasons=sorted({r for r in reasons if r}),
        )
        placed = len(up) == running and len(waiting) == pending and all(reasons)
        return Observation(placed, str(seen))

    wait_for(
        look,
        awaiting=f"{running} {name} pod(s) Running and {pending} Pending with a reason",
        timeout_s=90,
    )
    return seen


# -- no horizontal scaling -----------------------------------------------------------------


@pytest.mark.limitation("no horizontal scaling")
def test_one_schedulable_node_and_nothing_scales_out_past_it(
    cluster: Cluster,
    kube_api: k8s.ApiClient,
    busybox_image: str,
    limits_namespace: str,
    identity: RunIdentity,
    evidence: dict[str, Any],
) -> None:
    nodes = schedulable_nodes(kube_api)
    evidence["schedulable_nodes"] = nodes
    assert nodes == [cluster.node_name], f"schedulable nodes: {nodes}"
    capacity = node_capacity(kube_api, cluster.node_name)
    evidence["capacity"] = capacity.as_evidence()
    assert capacity.requested_cpu <= capacity.allocatable_cpu, capacity.as_evidence()
    # More CPU than the one node has: no second node exists or appears to take it.
    too_big = capacity.allocatable_cpu + Decimal(1)
    name = "too-big"
    labels = {"app.kubernetes.io/name": name, LABEL: identity.run_id}
    k8s.AppsV1Api(kube_api).create_namespaced_deployment(
        limits_namespace,
        _deployment(
            name,
            labels,
            busybox_image,
            replicas=1,
            requests={"cpu": f"{too_big}", "memory": "32Mi"},
        ),
    )
    seen = _wait_placement(kube_api, limits_namespace, name, running=0, pending=1)
    evidence["pod_above_capacity"] = {"cpu_requested": float(too_big), **seen}
    assert any("Insufficient cpu" in reason for reason in seen["pending_reasons"]), seen


# -- no failover ---------------------------------------------------------------------------


@pytest.mark.disruptive
@pytest.mark.limitation("no failover")
def test_draining_the_only_node_leaves_the_app_down_until_uncordoned(
    cluster: Cluster,
    kube_api: k8s.ApiClient,
    provisioned_stack: ProvisionedStack,
    identity: RunIdentity,
    evidence: dict[str, Any],
) -> None:
    stack = provisioned_stack.stack
    app, component, selector = _drain_target(kube_api, cluster, stack)
    namespace = component.namespace
    evidence["drained"] = {"endpoint": app.name, "selector": selector}
    pod = _running_pods(kube_api, namespace, selector)[0]
    policy = policy_api_version(kube_api)
    with AvailabilityProber([app], max_duration_s=180) as prober:
        _wait_all_up(prober, [app], f"{app.name} up before the drain", 60)
        with cordoned(kube_api, cluster.node_name):
            with disruption_budget(
                kube_api,
                namespace=namespace,
                name=f"hla-limits-{identity.run_id}",
                match_labels=selector,
                labels={LABEL: identity.run_id},
                policy_version=policy,
            ):
                blocked = evict(kube_api, namespace, pod, policy)
            began = prober.mark_disruption()
            drained = evict(kube_api, namespace, pod, policy)
            evidence["eviction"] = {
                "with_budget": {"status": blocked[0], "reason": blocked[1]},
                "without_budget": {"status": drained[0], "reason": drained[1]},
            }
            assert blocked[0] == 429, f"the disruption budget did not block the drain: {blocked}"
            assert drained[0] == 201, f"eviction without a budget: {drained}"
            stranded = _wait_replacement_stranded(
                kube_api, namespace, selector, prober, app, STRANDED_FOR_S
            )
            evidence["replacement_while_cordoned"] = stranded
            uncordoned_after = time.monotonic() - began
        _wait_all_up(prober, [app], f"{app.name} up after uncordon", 120)
    seen = prober.stop()[app.name]
    evidence["uncordoned_after_s"] = round(uncordoned_after, 2)
    evidence["availability"] = {app.name: seen.as_evidence()}
    next(
        p for p in provisioned_stack.lifecycle.provisioners() if p.component == component
    ).wait_settled()
    assert seen.downtime_s > 0, f"{app.name} never down during the drain: {seen.as_evidence()}"
    # Back only after the uncordon: its first good sample after the outage came later. (The
    # last failed sample may be a little before it: a request sent just before the uncordon
    # can wait for the replacement pod and succeed; seen once, 0.06 s before it.)
    assert seen.recovered_after_s is not None
    assert seen.recovered_after_s >= uncordoned_after, (
        f"{app.name} came back before the node was uncordoned: {seen.as_evidence()}"
    )


def _drain_target(
    api: k8s.ApiClient, cluster: Cluster, stack: Stack
) -> tuple[ProbeTarget, Component, dict[str, str]]:
    """The first declared NodePort endpoint whose Service selects running pods: what the
    drain takes down. Skips, naming what to declare, when the stack has none."""
    targets = {target.name: target for target in node_port_targets(cluster, stack)}
    for component in stack.components:
        for endpoint in component.expect.endpoints:
            target = targets.get(f"{component.name}:{endpoint.path}")
            if target is None:
                continue
            service = k8s.CoreV1Api(api).read_namespaced_service(
                endpoint.service, component.namespace
            )
            selector = dict((service.spec.selector if service.spec else None) or {})
            if selector and _running_pods(api, component.namespace, selector):
                return target, component, selector
    pytest.skip(
        f"{stack.path} declares no endpoint with a node_port whose Service selects running "
        "pods (expect.endpoints[].node_port): nothing to drain"
    )


def _wait_replacement_stranded(
    api: k8s.ApiClient,
    namespace: str,
    selector: dict[str, str],
    prober: AvailabilityProber,
    app: ProbeTarget,
    down_for_s: float,
) -> dict[str, Any]:
    """Wait until the evicted pod's replacement is Pending with the scheduler's reason (the
    node is unschedulable) and the app has failed from the host for `down_for_s` on end:
    nowhere to fail over to."""
    seen: dict[str, Any] = {}
    labels = ",".join(f"{k}={v}" for k, v in selector.items())

    def look() -> Observation:
        pods = k8s.CoreV1Api(api).list_namespaced_pod(namespace, label_selector=labels).items
        pending = [p for p in pods if p.status and p.status.phase == "Pending"]
        reasons = [r for r in (unscheduled_reason(api, p) for p in pending) if r]
        samples = prober.samples(app.name)
        failing = list(itertools.takewhile(lambda s: not s.ok, reversed(samples)))
        down_s = failing[0].monotonic_s - failing[-1].monotonic_s if failing else 0.0
        seen.update(
            pending=len(pending),
            reasons=reasons,
            app_down_s=round(down_s, 1),
            app_error=failing[-1].error if failing else None,
        )
        return Observation(bool(reasons) and down_s >= down_for_s, str(seen))

    wait_for(look, awaiting="the replacement pod Pending and the app down", timeout_s=60)
    return seen
