"""The acceptance run's session plugin, loaded by the entry point (`entry.py`) when a run
uses the plugin: the cluster and its API client as fixtures, the stack spec read before
anything starts, interrupts turned into a clean way out, disruptive checks last. It turns the
engine's objects into fixtures and its errors into one-line failures. The options are
declared in `entry.py`.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from docker.errors import DockerException
from kubernetes import client as k8s

from homelab_acceptance.checks.expectations import KINDS, expectations_of
from homelab_acceptance.cleanup_shield import hold_signals, mark_run_stopping, signals_held
from homelab_acceptance.cluster import Cluster, open_cluster
from homelab_acceptance.cluster.container_cluster import ContainerCluster
from homelab_acceptance.cluster.kept import mark_kept
from homelab_acceptance.cluster.node_port_block import declared_node_ports, node_port_block
from homelab_acceptance.cluster.providers import check_spec, parse_node_ports, parse_spec
from homelab_acceptance.cluster.reuse import attach_cluster, reuse_kept_cluster
from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.errors import ConfigurationError, HomelabAcceptanceError, StackSpecError
from homelab_acceptance.kube.client import api_client_for
from homelab_acceptance.pytest_plugin.options import run_options
from homelab_acceptance.pytest_plugin.report import report_cleanup_failure, run_has_failed
from homelab_acceptance.pytest_plugin.session_state import (
    fail,
    progress_printer,
    run_heartbeat,
    run_identity_key,
    stack_key,
)
from homelab_acceptance.pytest_plugin.stack_fixtures import stack_identity_key
from homelab_acceptance.pytest_plugin.xdist_roles import (
    SHARED_CLUSTER_INPUT,
    is_xdist_controller,
    is_xdist_worker,
)
from homelab_acceptance.pytest_plugin.xdist_shared_cluster import SharedClusterForWorkers
from homelab_acceptance.reaper import reap
from homelab_acceptance.run_identity import RunIdentity
from homelab_acceptance.spec import Stack, load_stack
from homelab_acceptance.waiting import Heartbeat, set_heartbeat

previous_handlers_key = pytest.StashKey[dict[int, Any]]()
previous_heartbeat_key = pytest.StashKey[Heartbeat | None]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[run_identity_key] = RunIdentity.new()
    sigint_handler = signal.getsignal(signal.SIGINT)  # None: not set from Python
    config.stash[previous_handlers_key] = {
        **({signal.SIGINT: sigint_handler} if sigint_handler is not None else {}),
        **_interrupt_on_sigterm_and_sighup(),
    }
    config.pluginmanager.register(_HoldAfterInterrupt(config), "homelab-hold-after-interrupt")
    _check_cluster_spec(config)
    _load_stack_spec(config)
    # A wait longer than 10 s says what it awaits and what it last saw (not under -q).
    config.stash[previous_heartbeat_key] = set_heartbeat(run_heartbeat(config))
    if is_xdist_controller(config):
        config.pluginmanager.register(
            SharedClusterForWorkers(
                config,
                lambda: _open_cluster(config),
                lambda the_cluster, failed: _kept_at_end(config, the_cluster, failed),
            ),
            "homelab-acceptance-shared-cluster",
        )
    config.addinivalue_line(
        "markers",
        "looks_back: the check looks back over what the other checks did (e.g. restarts "
        "since the stack settled); runs after every other non-disruptive check",
    )
    config.addinivalue_line(
        "markers",
        "disruptive: restarts or drains the node; runs after every other check, and on an "
        "existing (kubeconfig://) cluster only with --allow-disruptive",
    )
    for kind in KINDS:
        config.addinivalue_line("markers", f"{kind}: a check of a stack's declared {kind}")
    config.addinivalue_line(
        "markers",
        "limitation(name): the check measures a documented single-node limitation; when it "
        "passes, the limitation is confirmed as documented (with its figures as evidence)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A check that takes `endpoint_expectation` (or metric_, log_, alert_) runs once per
    such expectation in the stack spec, with a readable id and the kind as marker."""
    for kind in KINDS:
        argument = f"{kind}_expectation"
        if argument not in metafunc.fixturenames:
            continue
        stack = metafunc.config.stash.get(stack_key, None)
        found = expectations_of(stack, kind) if stack is not None else []
        marks = [getattr(pytest.mark, kind)]
        if kind == "alert":
            marks.append(pytest.mark.disruptive)  # producing the cause takes an app down
        metafunc.parametrize(
            argument, [pytest.param(e, id=e.id, marks=marks) for e in found], scope="function"
        )


NO_STACK = (
    "no stack spec: name it in your pytest ini (homelab_stack = stack.yaml) or pass "
    "--stack=PATH; without one the stack's checks cannot run"
)


def pytest_collection_finish(session: pytest.Session) -> None:
    """A run whose checks need the stack spec and finds none is a usage error (exit 4): it
    must not pass by skipping every stack check."""
    if stack_key in session.config.stash:
        return
    needing = [item for item in session.items if "stack" in getattr(item, "fixturenames", ())]
    if needing:
        raise pytest.UsageError(f"{NO_STACK} (first: {needing[0].nodeid})")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Disruptive checks last (a restart or drain must not disturb the others), and just
    before them the checks that look back over what the others did (`looks_back`), keeping
    the order within each group."""

    def group(item: pytest.Item) -> int:
        if item.get_closest_marker("disruptive") is not None:
            return 2
        return 1 if item.get_closest_marker("looks_back") is not None else 0

    items.sort(key=group)


class _HoldAfterInterrupt:
    """After the first Ctrl-C (or SIGTERM, SIGHUP) the run is on its way out: fixtures tear
    down, the cluster goes, the report is written. A second signal in that time would cut it
    short with a traceback, so from here on signals are held; the handlers the process had
    come back in pytest_unconfigure."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_keyboard_interrupt(self) -> None:
        mark_run_stopping()
        hold_signals("stopping after the interrupt", progress_printer(self.config))


def pytest_unconfigure(config: pytest.Config) -> None:
    mark_run_stopping(False)
    if previous_heartbeat_key in config.stash:
        set_heartbeat(config.stash[previous_heartbeat_key])
    for signum, previous in config.stash.get(previous_handlers_key, {}).items():
        signal.signal(signum, previous)


def _interrupt_on_sigterm_and_sighup() -> dict[int, Any]:
    """CI runners stop a job with SIGTERM, and a closed terminal sends SIGHUP: treat both as
    Ctrl-C, so that fixtures tear down and the cluster is removed, instead of the process
    dying with everything left behind. Returns the handlers they had."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def interrupt(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    return {signum: signal.signal(signum, interrupt) for signum in (signal.SIGTERM, signal.SIGHUP)}


def _load_stack_spec(config: pytest.Config) -> None:
    """Read the stack spec the run names before anything starts; an invalid one is a usage
    error (exit 4)."""
    path = run_options(config).stack
    if path is None:
        return
    try:
        config.stash[stack_key] = load_stack(path)
    except StackSpecError as error:
        raise pytest.UsageError(str(error)) from None
    try:
        _published_node_ports(config, run_options(config).cluster)
    except ConfigurationError as error:
        raise pytest.UsageError(f"{path}: {error}") from None


def _check_cluster_spec(config: pytest.Config) -> None:
    """A malformed cluster spec is a usage error (exit 4), found before anything starts."""
    try:
        check_spec(run_options(config).cluster)
    except ConfigurationError as error:
        raise pytest.UsageError(str(error)) from None


def _published_node_ports(config: pytest.Config, spec: str) -> tuple[int, int] | None:
    """The NodePort block a node the harness makes must publish for the stack (None for a
    cluster it does not make); ConfigurationError when the stack's NodePorts cannot be had."""
    stack = config.stash.get(stack_key, None)
    scheme = spec.partition("://")[0] if "://" in spec else spec
    if stack is None or scheme not in ("auto", "debian", "k3s"):
        return None
    options = parse_spec(spec).options if "://" in spec else {}
    given = parse_node_ports(options["nodeports"]) if "nodeports" in options else None
    return node_port_block(declared_node_ports(stack), given)


@pytest.fixture(scope="session")
def cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    """The single-node cluster under test, up and Ready; removed after the session unless
    --keep-cluster says otherwise, or the kept one named by --reuse-cluster, which stays.
    What a killed earlier run left is reaped first."""
    config = request.config
    worker = is_xdist_worker(config)
    failure: HomelabAcceptanceError | None = None
    try:
        the_cluster = _shared_cluster(config) if worker else _open_cluster(config)
    except HomelabAcceptanceError as error:
        failure = error
    if failure is not None:
        fail(failure)  # outside the except block: one message, no chained traceback
    yield the_cluster
    failed = request.session.testsfailed > 0 or run_has_failed(config)
    if worker or _kept_at_end(config, the_cluster, failed):
        return  # a worker's cluster is the controller's to remove
    try:
        with signals_held("removing the cluster", progress_printer(config)):
            the_cluster.down()
    except (HomelabAcceptanceError, DockerException, OSError) as error:
        report_cleanup_failure(
            config,
            f"removing the {the_cluster.provider}:// cluster: {error} "
            "(`homelab-acceptance clean` removes what is left)",
        )


def _open_cluster(config: pytest.Config) -> Cluster:
    """A new cluster, or the kept one --reuse-cluster names."""
    options = run_options(config)
    if options.reuse_cluster:
        return _reused_cluster(config, options.reuse_cluster)
    return _new_cluster(config, options.keep_cluster)


def _kept_at_end(config: pytest.Config, the_cluster: Cluster, failed: bool) -> bool:
    """Whether the cluster stays after the session (announced if so), as --keep-cluster and
    --reuse-cluster say."""
    options = run_options(config)
    keep = options.keep_cluster
    if options.reuse_cluster or keep == "always" or (keep == "on-failure" and failed):
        why = "tests failed" if failed else "kept"
        _announce_kept(config, the_cluster, why, progress_printer(config))
        return True
    return False


def _shared_cluster(config: pytest.Config) -> Cluster:
    """A pytest-xdist worker's cluster: the one the controller made for all its workers."""
    shared = config.workerinput[SHARED_CLUSTER_INPUT]  # type: ignore[attr-defined]
    the_cluster = attach_cluster(shared["run_id"], shared["provider"], progress_printer(config))
    the_cluster.chatter = progress_printer(config, chatter=True)
    config.stash[stack_identity_key] = the_cluster.identity
    return the_cluster


def _new_cluster(config: pytest.Config, keep: str) -> Cluster:
    show = progress_printer(config)
    spec = run_options(config).cluster
    # The spec first: a typo must not wait on Docker.
    the_cluster = open_cluster(
        spec, config.stash[run_identity_key], keep=keep == "always", progress=show
    )
    block = _published_node_ports(config, spec)
    if isinstance(the_cluster, ContainerCluster):
        # Its start and each image import as it goes are chatter: not under -q.
        the_cluster.chatter = progress_printer(config, chatter=True)
        if block is not None:
            the_cluster.node_ports = block  # the stack's NodePorts, published without an option
    reaped = reap(connect_docker())
    if reaped:
        show(f"cleaned up after earlier runs: {reaped.summary()}")
    try:
        the_cluster.up()
    except BaseException:
        with signals_held("removing the cluster", show):
            the_cluster.down()
        raise
    return the_cluster


def _reused_cluster(config: pytest.Config, name: str) -> Cluster:
    """The kept cluster `name`; the stack on it is provisioned under the kept run's identity,
    so what it recorded there (labels, OpenTofu state) is found again."""
    show = progress_printer(config)
    given = run_options(config).cluster_given
    if given:
        show(f"--cluster {given} not used: reusing a kept cluster")
    reaped = reap(connect_docker())
    if reaped:
        show(f"cleaned up after earlier runs: {reaped.summary()}")
    the_cluster = reuse_kept_cluster(name, show)
    the_cluster.chatter = progress_printer(config, chatter=True)
    config.stash[stack_identity_key] = the_cluster.identity
    return the_cluster


def _announce_kept(
    config: pytest.Config, the_cluster: Cluster, why: str, show: Callable[[str], None]
) -> None:
    """Say how to reach a kept cluster and how to reuse it; record it as kept (a container
    created without the keep label is spared by the reaper through its work dir's marker)."""
    if not isinstance(the_cluster, ContainerCluster):
        show(f"keeping the cluster ({why}): KUBECONFIG={the_cluster.kubeconfig_path}")
        return
    mark_kept(the_cluster.identity.run_id)
    show(
        f"keeping the cluster {the_cluster.name} ({why}): "
        f"KUBECONFIG={the_cluster.kubeconfig_path}; reuse it with "
        f"--reuse-cluster {the_cluster.name}; remove it with homelab-acceptance clean --kept "
        f"{the_cluster.name}"
    )


@pytest.fixture(scope="session")
def kube_api(cluster: Cluster) -> k8s.ApiClient:
    """A Kubernetes API client for the cluster under test."""
    return api_client_for(cluster.kubeconfig_path)


@pytest.fixture(autouse=True)
def _disruptive_guard(request: pytest.FixtureRequest) -> None:
    """Skip a `disruptive` check on a cluster the harness did not create, unless allowed."""
    if request.node.get_closest_marker("disruptive") is None:
        return
    if is_xdist_worker(request.config):
        pytest.skip(
            "disruptive check not run by a pytest-xdist worker: restarting or draining the "
            "node the workers share would break the checks the others run meanwhile; run "
            "`pytest -m disruptive` without -n for it"
        )
    the_cluster: Cluster = request.getfixturevalue("cluster")
    if not the_cluster.ephemeral and not run_options(request.config).allow_disruptive:
        pytest.skip(
            f"disruptive check not run on {the_cluster.provider}:// (a cluster the harness did "
            "not create): pass --allow-disruptive to run it"
        )


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest) -> Stack:
    """The stack spec under test (validated before the session started)."""
    if stack_key not in request.config.stash:  # refused at collection (no_stack_refused)
        raise pytest.UsageError(NO_STACK)
    return request.config.stash[stack_key]
