"""A kept cluster is reused by name: the same node container, nothing re-applied when the
stack is unchanged, only the edited component when one changed; an unknown name is one line
(exit 2, the harness could not run) and creates nothing."""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from homelab_acceptance.cluster.kept import (
    CONTAINER_PREFIX,
    PROVIDER_LABEL,
    kept_clusters,
    mark_kept,
)
from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.reaper import reap
from homelab_acceptance.run_identity import LABEL, OWNER_LABEL, RunIdentity, workdirs_root

FIXTURES = Path(__file__).parents[2] / "fixtures"
WEB_B_IMAGE = "homelab-acceptance/reuse-web:1"

STACK = """
apiVersion: homelab-acceptance/v1
kind: Stack
metadata: {name: reuse}
components:
  - {name: web-a, provisioner: manifests, source: web-a, namespace: reuse-a,
     images: [{name: "homelab-acceptance/busybox:1.35"}]}
  - {name: web-b, provisioner: manifests, source: web-b, namespace: reuse-b,
     images: [{name: "homelab-acceptance/reuse-web:1"}]}
"""

INNER_TEST = """
from kubernetes import client as k8s

from homelab_acceptance.pytest_plugin.session_state import run_identity_key


def test_stack_is_there(request, cluster, provisioned_stack, kube_api):
    print("SESSION", request.config.stash[run_identity_key].run_id)
    print("CLUSTER", cluster.name)
    print("IMPORTED", len(provisioned_stack.images.imported))
    for outcome in provisioned_stack.outcomes:
        print("OUTCOME", outcome.component, "unchanged" if outcome.unchanged_since else "applied")
    content = k8s.CoreV1Api(kube_api).read_namespaced_config_map("web-content", "reuse-b")
    print("CONTENT-B", content.data["index.html"].strip())
    for pod in k8s.CoreV1Api(kube_api).list_namespaced_pod("reuse-b").items:
        print("IMAGE-B", pod.status.container_statuses[0].image_id)
"""


def build_web_b_image(version: str) -> str:
    """web-b's own image: the busybox image with a label, so a rebuild gets a new ID at once
    (no registry, no base image: FROM a local image)."""
    recipe = f"FROM homelab-acceptance/busybox:1.35\nLABEL reuse-test-version={version}\n"
    image, _ = connect_docker().images.build(
        fileobj=io.BytesIO(recipe.encode()), tag=WEB_B_IMAGE, rm=True
    )
    return str(image.id)


def run_pytest(project: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(project / "test_inner.py"), "-s", "-q",
         "-p", "no:cacheprovider", f"--stack={project / 'stack.yaml'}",
         "--report-dir", str(project / "reports"), *options],
        capture_output=True, text=True, cwd=project, timeout=600, check=False,
    )  # fmt: skip


def lines(run: subprocess.CompletedProcess[str], prefix: str) -> list[str]:
    return [
        line.removeprefix(prefix).strip()
        for line in run.stdout.splitlines()
        if line.startswith(prefix)
    ]


def containers_created(run: subprocess.CompletedProcess[str], since: datetime) -> list[str]:
    """Containers the run created under its own session id (the engine is shared with other
    runs, so counting all containers would not do)."""
    session = lines(run, "SESSION")[0]
    events = connect_docker().events(
        since=since,
        until=datetime.now(UTC),
        filters={"type": "container", "event": "create", "label": f"{LABEL}={session}"},
        decode=True,
    )
    return [str(event["Actor"]["Attributes"].get("name")) for event in events]


def cluster_containers() -> dict[str, str]:
    """Name -> id of every harness node container on the engine (other runs' too)."""
    client = connect_docker()
    return {c.name: c.id for c in client.containers.list(all=True, filters={"label": LABEL})}


@pytest.fixture
def project(tmp_path: Path, built_busybox_image: str) -> Iterator[Path]:
    for name in ("web-a", "web-b"):
        shutil.copytree(FIXTURES / "components" / "web", tmp_path / name)
    app = tmp_path / "web-b" / "app.yaml"
    app.write_text(app.read_text().replace(built_busybox_image, WEB_B_IMAGE))
    build_web_b_image("1")
    (tmp_path / "stack.yaml").write_text(STACK)
    (tmp_path / "test_inner.py").write_text(INNER_TEST)
    yield tmp_path
    kept = tmp_path / "kept"
    if kept.exists():  # however the test ended, the kept cluster goes
        reap(connect_docker(), run_id=kept.read_text().strip().removeprefix(CONTAINER_PREFIX))


def test_a_kept_cluster_is_reused_and_only_what_changed_is_applied(project: Path) -> None:
    first = run_pytest(project, "--cluster", "debian://", "--keep-cluster=always")
    names = lines(first, "CLUSTER")
    if names:
        (project / "kept").write_text(names[0] + "\n")  # the fixture's cleanup removes it
    assert first.returncode == 0, first.stdout[-2000:]
    name = names[0]
    assert f"keeping the cluster {name}" in first.stdout
    assert "KUBECONFIG=" in first.stdout
    assert lines(first, "OUTCOME") == ["web-a applied", "web-b applied"]
    assert lines(first, "IMPORTED") == ["2"]
    kept_id = cluster_containers()[name]

    started = datetime.now(UTC)
    again = run_pytest(project, "--reuse-cluster", name)
    assert again.returncode == 0, again.stdout[-2000:]
    assert lines(again, "CLUSTER") == [name]
    assert cluster_containers()[name] == kept_id, "the reuse replaced the node container"
    assert containers_created(again, started) == [], "the reuse created a container"
    assert lines(again, "OUTCOME") == ["web-a unchanged", "web-b unchanged"]
    assert lines(again, "IMPORTED") == ["0"], "an image already in the node was imported again"
    assert "stack: web-a unchanged since" in again.stdout

    connect_docker().containers.get(name).stop()  # a stopped kept cluster is started
    app = project / "web-b" / "app.yaml"
    app.write_text(app.read_text().replace("hello from a provisioned component", "edited"))
    third = run_pytest(project, "--reuse-cluster", name)
    assert third.returncode == 0, third.stdout[-2000:]
    assert f"starting the kept node container {name}" in third.stdout
    assert cluster_containers()[name] == kept_id
    assert lines(third, "OUTCOME") == ["web-a unchanged", "web-b applied"]
    assert lines(third, "CONTENT-B") == ["edited"]

    rebuilt_id = build_web_b_image("2")
    fourth = run_pytest(project, "--reuse-cluster", name)
    assert fourth.returncode == 0, fourth.stdout[-2000:]
    assert lines(fourth, "IMPORTED") == ["1"]
    assert lines(fourth, "OUTCOME") == ["web-a unchanged", "web-b applied"]
    assert lines(fourth, "IMAGE-B") == [rebuilt_id], "web-b's pod runs the image from before"

    cleaned = subprocess.run(
        [sys.executable, "-m", "homelab_acceptance.cli", "clean"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert name in cluster_containers(), "clean (without --all) removed a kept cluster"
    assert f"clean --kept {name}" in cleaned.stdout
    subprocess.run(
        [sys.executable, "-m", "homelab_acceptance.cli", "clean", "--kept", name], check=True
    )
    assert name not in cluster_containers()


def test_an_unknown_kept_cluster_is_one_line_and_creates_nothing(project: Path) -> None:
    started = datetime.now(UTC)
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", str(project / "test_inner.py"), "-q",
         "-p", "no:cacheprovider", f"--stack={project / 'stack.yaml'}",
         "--report-dir", str(project / "reports"), "--reuse-cluster", "no-such-cluster"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=project,
    )  # fmt: skip
    output, _ = run.communicate(timeout=300)
    assert run.returncode == 2, output[-2000:]
    said = [line for line in output.splitlines() if "no kept cluster named" in line]
    assert said, output[-2000:]
    assert "'no-such-cluster'" in said[0]
    assert "--keep-cluster=always" in said[0]
    events = connect_docker().events(
        since=started, until=datetime.now(UTC), filters={"type": "container", "event": "create"},
        decode=True,
    )  # fmt: skip
    owners = [e["Actor"]["Attributes"].get(OWNER_LABEL, "") for e in events]
    assert [o for o in owners if o.split("/")[1:2] == [str(run.pid)]] == []


def test_a_cluster_kept_on_failure_is_spared_by_the_reaper(built_busybox_image: str) -> None:
    """--keep-cluster=on-failure decides at the end of the run, when the container's labels
    cannot change any more: the work dir's marker keeps it (and its run's volume) from the
    next run's reaper; without the marker, a dead run's container is reaped."""
    client = connect_docker()
    dead_owner = f"{socket.gethostname()}/{os.getpid()}/1"
    kept, unkept = RunIdentity.new(), RunIdentity.new()
    for identity in (kept, unkept):
        labels = {LABEL: identity.run_id, OWNER_LABEL: dead_owner, PROVIDER_LABEL: "debian"}
        client.volumes.create(f"{CONTAINER_PREFIX}{identity.run_id}-state", labels=labels)
        client.containers.run(
            built_busybox_image, ["sleep", "600"], detach=True, labels=labels,
            name=f"{CONTAINER_PREFIX}{identity.run_id}",
        )  # fmt: skip
    try:
        mark_kept(kept.run_id)
        reaped = reap(client)
        assert f"{CONTAINER_PREFIX}{unkept.run_id}" in reaped.containers
        assert f"{CONTAINER_PREFIX}{kept.run_id}" not in reaped.containers
        assert f"{CONTAINER_PREFIX}{kept.run_id}-state" not in reaped.volumes
        assert (workdirs_root() / kept.run_id).is_dir()
        assert f"{CONTAINER_PREFIX}{kept.run_id}" in [k.name for k in kept_clusters(client)]
    finally:
        reap(client, run_id=kept.run_id)
        reap(client, run_id=unkept.run_id)
    assert not (workdirs_root() / kept.run_id).exists()


FAILING_TEST = """
def test_fails(cluster):
    print("CLUSTER", cluster.name)
    raise AssertionError("fails on purpose")
"""


def test_a_cluster_kept_after_a_failure_survives_the_next_run_and_is_reused(
    project: Path,
) -> None:
    (project / "test_fails.py").write_text(FAILING_TEST)
    failing = subprocess.run(
        [sys.executable, "-m", "pytest", str(project / "test_fails.py"), "-s", "-q",
         "-p", "no:cacheprovider", "--report-dir", str(project / "reports"),
         "--cluster", "debian://", "--keep-cluster=on-failure"],
        capture_output=True, text=True, cwd=project, timeout=600, check=False,
    )  # fmt: skip
    names = lines(failing, "CLUSTER")
    if names:
        (project / "kept").write_text(names[0] + "\n")
    assert failing.returncode == 1, failing.stdout[-2000:]
    name = names[0]
    assert f"keeping the cluster {name} (tests failed)" in failing.stdout
    kubeconfig = workdirs_root() / name.removeprefix(CONTAINER_PREFIX) / "kubeconfig"
    assert kubeconfig.is_file(), "the kept cluster's kubeconfig was removed"
    # The next run reaps first (the failed run's owner is gone) and then attaches.
    reused = run_pytest(project, "--reuse-cluster", name)
    assert reused.returncode == 0, reused.stdout[-2000:]
    assert lines(reused, "CLUSTER") == [name]
