"""How fast the harness notices readiness: its own waits, compared with the objects' condition
timestamps (1 s resolution, truncated) and with a watch on the same objects (the moment the
API reported it). Target: within 0.5 s of readiness becoming true.

(a) node Ready: `DebianCluster.up()`'s readiness wait returning vs the node's Ready condition;
(b) a Deployment settled (`provision/settling.wait_workloads_settled`) vs its pod's Ready and
the Deployment's Available conditions, repeated.

Prints one line per figure on stdout (progress on stderr); asserts nothing.

    .venv/bin/python bench/readiness.py [--clusters 2] [--rollouts 10]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from kubernetes import client as k8s
from kubernetes import watch

from homelab_acceptance.cluster.debian import DebianCluster
from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.errors import HomelabAcceptanceError
from homelab_acceptance.kube.client import api_client_for
from homelab_acceptance.kube.namespaces import labelled_namespace
from homelab_acceptance.probe_image import build_probe_image
from homelab_acceptance.provision.component_namespace import component_labels
from homelab_acceptance.provision.settling import wait_workloads_settled
from homelab_acceptance.run_identity import RunIdentity
from homelab_acceptance.spec import Component
from homelab_acceptance.waiting import Observation, wait_for

READY_LOG = "homelab_acceptance.cluster.container_cluster"
WATCH_TIMEOUT_S = 120


def note(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def report(name: str, samples: Sequence[float]) -> None:
    if samples:
        print(
            f"{name} median={statistics.median(samples):.3f} max={max(samples):.3f} "
            f"min={min(samples):.3f} n={len(samples)}",
            flush=True,
        )


def report_interval(name: str, upper_bounds: Sequence[float]) -> None:
    """A lag measured against a truncated 1 s timestamp lies in [upper - 1, upper]."""
    if upper_bounds:
        median, worst = statistics.median(upper_bounds), max(upper_bounds)
        print(
            f"{name} median=[{median - 1:.3f}, {median:.3f}] "
            f"max=[{worst - 1:.3f}, {worst:.3f}] n={len(upper_bounds)}",
            flush=True,
        )


def condition_time(obj: Any, kind: str) -> float | None:
    """The epoch seconds of an object's True condition's lastTransitionTime (truncated to
    the second)."""
    conditions = (obj.status.conditions if obj.status else None) or []
    found = next((c for c in conditions if c.type == kind and c.status == "True"), None)
    stamp: datetime | None = found.last_transition_time if found else None
    return stamp.timestamp() if stamp else None


class WatchObserver:
    """A thread watching objects until `reported(obj)` holds; keeps the wall time of the
    event that first said so (the API's report, not a poll's)."""

    def __init__(self, lister: Callable[..., Any], reported: Callable[[Any], bool], **kw: Any):
        self.seen_at: float | None = None
        self._lister, self._reported, self._kw = lister, reported, kw
        self._watch = watch.Watch()  # type: ignore[no-untyped-call]
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> WatchObserver:
        self._thread.start()
        return self

    def _run(self) -> None:
        stream = self._watch.stream(  # type: ignore[no-untyped-call]
            self._lister, timeout_seconds=WATCH_TIMEOUT_S, **self._kw
        )
        for event in stream:
            if self._reported(event["object"]):
                self.seen_at = time.time()
                self._watch.stop()  # type: ignore[no-untyped-call]

    def result(self) -> float | None:
        self._thread.join(WATCH_TIMEOUT_S)
        return self.seen_at


# -- (a) node Ready ------------------------------------------------------------------------------


class ReadyRecord(logging.Handler):
    """Keeps when up()'s readiness wait returned (its "node start: ready after" record)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.at: float | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("node start: ready after"):
            self.at = record.created


def node_ready(node: Any) -> bool:
    return condition_time(node, "Ready") is not None


def created_at(obj: Any) -> float:
    return float(obj.metadata.creation_timestamp.timestamp())


def default_account(account: Any) -> bool:
    return bool(account.metadata and account.metadata.name == "default")


def observe_cluster_from(kubeconfig: Path) -> tuple[WatchObserver, WatchObserver]:
    """Wait for the kubeconfig up() writes and the API it names, then watch the node and the
    default ServiceAccount (up() awaits both)."""

    def api_answers() -> Observation:
        if not kubeconfig.exists():
            return Observation(False, f"no {kubeconfig} yet")
        k8s.CoreV1Api(api_client_for(kubeconfig, retries=0)).list_node()
        return Observation(True, "nodes listed")

    wait_for(api_answers, awaiting="the new cluster's API", timeout_s=120, poll_s=0.05)
    core = k8s.CoreV1Api(api_client_for(kubeconfig))
    account = WatchObserver(
        core.list_namespaced_service_account, default_account, namespace="default"
    )
    return WatchObserver(core.list_node, node_ready).start(), account.start()


@dataclass(frozen=True)
class NodeSample:
    harness_at: float
    condition_at: float
    watch_at: float | None
    account_created_at: float
    account_watch_at: float | None


def node_sample(identity: RunIdentity) -> tuple[NodeSample, DebianCluster]:
    """Bring a cluster up while watching its node; the cluster is returned up."""
    handler = ReadyRecord()
    logger = logging.getLogger(READY_LOG)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    observed: list[tuple[WatchObserver, WatchObserver]] = []
    kubeconfig = identity.workdir() / "kubeconfig"
    watcher = threading.Thread(
        target=lambda: observed.append(observe_cluster_from(kubeconfig)), daemon=True
    )
    watcher.start()
    cluster = DebianCluster(identity, progress=note)
    try:
        cluster.up()
        watcher.join(120)
        api = api_client_for(cluster.kubeconfig_path)
        node = k8s.CoreV1Api(api).read_node(cluster.node_name)
        condition_at = condition_time(node, "Ready")
        account = k8s.CoreV1Api(api).read_namespaced_service_account("default", "default")
        if handler.at is None or condition_at is None:
            raise HomelabAcceptanceError("no ready record or no Ready condition after up()")
        node_watch, account_watch = observed[0] if observed else (None, None)
        sample = NodeSample(
            handler.at,
            condition_at,
            node_watch.result() if node_watch else None,
            created_at(account),
            account_watch.result() if account_watch else None,
        )
        return sample, cluster
    except BaseException:
        cluster.down()
        raise
    finally:
        logger.removeHandler(handler)


# -- (b) a Deployment settled --------------------------------------------------------------------


@dataclass(frozen=True)
class RolloutSample:
    harness_at: float
    pod_ready_at: float
    available_at: float
    pod_watch_at: float | None
    deployment_watch_at: float | None


def rollout_settled(deployment: Any) -> bool:
    """The harness's own criterion (settling._rollout_problem), read from a watch event."""
    spec, status, meta = deployment.spec, deployment.status, deployment.metadata
    wanted = spec.replicas if spec.replicas is not None else 1
    if status is None or (status.observed_generation or 0) < (meta.generation or 0):
        return False
    return (status.ready_replicas or 0) >= wanted and (status.updated_replicas or 0) >= wanted


def pod_ready(pod: Any) -> bool:
    return condition_time(pod, "Ready") is not None


def deployment_manifest(name: str, image: str, labels: dict[str, str]) -> dict[str, Any]:
    pod_labels = {**labels, "app": name}
    container = {
        "name": "sleep",
        "image": image,
        "imagePullPolicy": "Never",
        "command": ["sleep", "3600"],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": pod_labels},
                "spec": {"terminationGracePeriodSeconds": 0, "containers": [container]},
            },
        },
    }


def watch_from_now(
    lister: Callable[..., Any], reported: Callable[[Any], bool], namespace: str, **selector: str
) -> WatchObserver:
    """A watch from the namespace's current resourceVersion: no later event is missed, however
    late the thread connects."""
    version = str(lister(namespace).metadata.resource_version)
    return WatchObserver(
        lister, reported, namespace=namespace, resource_version=version, **selector
    ).start()


def rollout_sample(
    api: k8s.ApiClient, component: Component, name: str, image: str, labels: dict[str, str]
) -> RolloutSample:
    apps, core, namespace = k8s.AppsV1Api(api), k8s.CoreV1Api(api), component.namespace
    pod_watch = watch_from_now(
        core.list_namespaced_pod, pod_ready, namespace, label_selector=f"app={name}"
    )
    deployment_watch = watch_from_now(
        apps.list_namespaced_deployment,
        rollout_settled,
        namespace,
        field_selector=f"metadata.name={name}",
    )
    manifest = deployment_manifest(name, image, labels)
    body: Any = manifest  # the client takes a plain dict as well as a V1Deployment
    apps.create_namespaced_deployment(namespace, body)
    workload = {**manifest, "metadata": {**manifest["metadata"], "namespace": namespace}}
    wait_workloads_settled(api, [workload], component)
    harness_at = time.time()
    pod = core.list_namespaced_pod(namespace, label_selector=f"app={name}").items[0]
    deployment = apps.read_namespaced_deployment_status(name, namespace)
    pod_ready_at = condition_time(pod, "Ready")
    available_at = condition_time(deployment, "Available")
    if pod_ready_at is None or available_at is None:
        raise HomelabAcceptanceError(f"deployment {name}: settled without Ready/Available")
    sample = RolloutSample(
        harness_at,
        pod_ready_at,
        available_at,
        pod_watch.result(),
        deployment_watch.result(),
    )
    apps.delete_namespaced_deployment(name, namespace)
    return sample


def rollout_samples(cluster: DebianCluster, count: int) -> list[RolloutSample]:
    image = build_probe_image(connect_docker(), note)
    cluster.import_images([image])
    api = api_client_for(cluster.kubeconfig_path)
    samples = []
    identity = cluster.identity
    with labelled_namespace(api, identity, "readiness") as namespace:
        component = Component(
            name="bench-readiness",
            provisioner="manifests",
            source=None,
            namespace=namespace,
            settle_timeout_s=60,
        )
        labels = component_labels(component, identity)
        for index in range(count):
            samples.append(rollout_sample(api, component, f"ready-{index}", image, labels))
            note(f"rollout {index + 1}/{count}: {samples[-1]}")
    return samples


# -- figures -------------------------------------------------------------------------------------


#: A figure: its name, its samples, and whether they are upper bounds against a truncated
#: 1 s timestamp (printed as intervals) or exact.
Figure = tuple[str, list[float], bool]


def lags(samples: Sequence[Any], since: Callable[[Any], float | None]) -> list[float]:
    """harness_at - since(sample), for the samples where `since` is known."""
    return [s.harness_at - at for s in samples if (at := since(s)) is not None]


def later(*times: float | None) -> float | None:
    return None if None in times else max(t for t in times if t is not None)


def node_figures(samples: Sequence[NodeSample]) -> list[Figure]:
    return [
        ("node_ready_lag_vs_condition_seconds", lags(samples, lambda s: s.condition_at), True),
        ("node_ready_lag_vs_watch_seconds", lags(samples, lambda s: s.watch_at), False),
        # up() also awaits the default ServiceAccount: readiness is the later of the two.
        (
            "cluster_ready_lag_vs_condition_and_account_seconds",
            lags(samples, lambda s: later(s.condition_at, s.account_created_at)),
            True,
        ),
        (
            "cluster_ready_lag_vs_watches_seconds",
            lags(samples, lambda s: later(s.watch_at, s.account_watch_at)),
            False,
        ),
    ]


def rollout_figures(samples: Sequence[RolloutSample]) -> list[Figure]:
    return [
        (
            "settled_lag_vs_pod_ready_condition_seconds",
            lags(samples, lambda s: s.pod_ready_at),
            True,
        ),
        (
            "settled_lag_vs_available_condition_seconds",
            lags(samples, lambda s: s.available_at),
            True,
        ),
        (
            "settled_lag_vs_deployment_watch_seconds",
            lags(samples, lambda s: s.deployment_watch_at),
            False,
        ),
        ("settled_lag_vs_pod_ready_watch_seconds", lags(samples, lambda s: s.pod_watch_at), False),
    ]


def print_figures(figures: list[Figure]) -> None:
    for name, samples, truncated in figures:
        (report_interval if truncated else report)(name, samples)


@contextmanager
def clusters_measured(count: int) -> Iterator[tuple[list[NodeSample], DebianCluster]]:
    """`count` clusters brought up and measured; all but the last are removed at once, the
    last is yielded (for the rollouts) and removed after the block."""
    samples: list[NodeSample] = []
    cluster: DebianCluster | None = None
    try:
        for index in range(count):
            if cluster is not None:
                cluster.down()
                cluster = None
            sample, cluster = node_sample(RunIdentity.new())
            note(f"cluster {index + 1}/{count}: {sample}")
            samples.append(sample)
        assert cluster is not None
        yield samples, cluster
    finally:
        if cluster is not None:
            cluster.down()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clusters", type=int, default=2, help="node Ready samples (up()s)")
    parser.add_argument("--rollouts", type=int, default=10, help="Deployment samples")
    args = parser.parse_args(argv)
    try:
        with clusters_measured(max(1, args.clusters)) as (node_samples, cluster):
            print_figures(node_figures(node_samples))
            print_figures(rollout_figures(rollout_samples(cluster, args.rollouts)))
    except HomelabAcceptanceError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
