"""The diagnosis: which families run for which provider, and a healthy host has no warning."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from homelab_acceptance.cluster.node_container import PRIVILEGED
from homelab_acceptance.doctor import Facts, Level, any_failed, diagnose
from homelab_acceptance.doctor.engine_checks import EngineFacts, PrivilegeFacts
from homelab_acceptance.doctor.facts import HostFacts
from homelab_acceptance.doctor.node_image_checks import NodeImageFacts
from homelab_acceptance.doctor.port_checks import PortFacts
from homelab_acceptance.doctor.stack_checks import ComponentFacts, ImageRef, StackFacts
from homelab_acceptance.doctor.tool_checks import ToolFacts

GB = 1024**3
HEALTHY = Facts(
    provider="debian",
    cluster_spec="debian://",
    engine=EngineFacts("unix:///var/run/docker.sock", "24.0.7", "/var/lib/docker"),
    host=HostFacts(
        mounts="cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n",
        v2_controllers="cpuset cpu io memory pids",
        kmsg_is_char_device=True,
        inotify={"fs.inotify.max_user_instances": 8192, "fs.inotify.max_user_watches": 524288},
    ),
    node_image=NodeImageFacts("debian", "homelab-acceptance/node:0123", True, "debian:bookworm"),
    privilege=PrivilegeFacts(PRIVILEGED),
    ports=PortFacts(None, True, (30000, 32), ()),
    docker_free_bytes=50 * GB,
    workdir=Path("/tmp/homelab-acceptance"),
    workdir_free_bytes=50 * GB,
    stack=StackFacts(Path("stack.yaml"), (ComponentFacts("p", "helm", (ImageRef("p:1", 7),)),)),
    tools_needed={("helm",): ["p (helm)"]},
    tools=ToolFacts({"helm": "/v/helm"}, "/v"),
)


def test_a_healthy_k3s_host_is_all_ok() -> None:
    findings = diagnose(replace(HEALTHY, provider="k3s", cluster_spec="k3s://"))
    assert {f.level for f in findings} == {Level.OK}, [f.line() for f in findings]
    assert len(findings) == 15  # every family, one line each (one tool)


def test_cgroup_v2_warns_for_debian_only() -> None:
    levels = [f.level for f in diagnose(HEALTHY)]
    assert levels.count(Level.WARN) == 1
    assert not any_failed(diagnose(HEALTHY))


def test_one_bad_fact_fails_the_whole_diagnosis() -> None:
    missing_helm = replace(HEALTHY, tools=ToolFacts({"helm": None}, "/v"))
    assert any_failed(diagnose(missing_helm))


def test_an_existing_cluster_skips_the_node_host_checks() -> None:
    facts = replace(HEALTHY, provider="kubeconfig", host=None, node_image=None, privilege=None,
                    ports=None)  # fmt: skip
    names = [f.what for f in diagnose(facts)]
    assert "cgroup version" not in names
    assert "NodePorts" not in names
    assert "docker" in names


def test_without_an_engine_the_docker_disk_is_not_judged() -> None:
    facts = replace(HEALTHY, engine=EngineFacts("unix:///x", error="not reachable"))
    names = [f.what for f in diagnose(facts)]
    assert "disk under Docker" not in names
    assert any_failed(diagnose(facts))
