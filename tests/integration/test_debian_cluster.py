"""The debian:// provider's contract, against a real node in Docker (the session's cluster).

The node restart runs last in this module: it disturbs the shared cluster."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import yaml
from kubernetes import client as k8s

from homelab_acceptance.cluster.debian import DebianCluster
from homelab_acceptance.cluster.node_container import CAPABILITIES, PRIVILEGED
from homelab_acceptance.docker_engine import connect_docker
from homelab_acceptance.kube_client import raw_get
from homelab_acceptance.node_image import ensure_node_image
from homelab_acceptance.plugin import run_identity_key
from homelab_acceptance.probes.namespaces import labelled_namespace
from homelab_acceptance.probes.pods import exec_in_pod, wait_pod_running, why_not_ready
from homelab_acceptance.waiting import Observation, wait_for


def test_kubeconfig_is_private_and_points_at_loopback(cluster: DebianCluster) -> None:
    path = cluster.kubeconfig_path
    assert path.stat().st_mode & 0o777 == 0o600
    server = yaml.safe_load(path.read_text())["clusters"][0]["cluster"]["server"]
    assert server.startswith("https://127.0.0.1:")


def test_node_container_mode_is_reported(cluster: DebianCluster) -> None:
    assert cluster.describe()["security_mode"] in (PRIVILEGED, CAPABILITIES)


def test_published_ports_listen_on_loopback_only(cluster: DebianCluster) -> None:
    container = connect_docker().containers.get(cluster.name)
    bindings = [b for ports in container.ports.values() for b in ports or []]
    assert bindings
    assert {b["HostIp"] for b in bindings} == {"127.0.0.1"}


def test_a_second_image_check_finds_the_cached_node_image() -> None:
    assert ensure_node_image(connect_docker(), progress=lambda _: None).built is False


def test_the_default_storage_class_is_local_path(kube_api: k8s.ApiClient) -> None:
    classes = k8s.StorageV1Api(kube_api).list_storage_class().items
    default = [
        c.metadata.name
        for c in classes
        if c.metadata
        and (c.metadata.annotations or {}).get("storageclass.kubernetes.io/is-default-class")
        == "true"
    ]
    assert default == ["local-path"]


def test_kubelet_and_cadvisor_metrics_are_reachable_for_prometheus(
    cluster: DebianCluster, kube_api: k8s.ApiClient
) -> None:
    status, body = raw_get(kube_api, f"/api/v1/nodes/{cluster.node_name}/proxy/metrics/cadvisor")
    assert status == 200
    assert "container_cpu_usage_seconds_total" in body
    status, body = raw_get(kube_api, f"/api/v1/nodes/{cluster.node_name}/proxy/metrics")
    assert status == 200
    assert "kubelet_running_pods" in body or "kubelet_running_pod_count" in body


def _pvc_pod(claim: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "keeper"},
        "spec": {
            "terminationGracePeriodSeconds": 0,
            "containers": [
                {
                    "name": "keeper",
                    "image": "homelab-acceptance/busybox:1.35",
                    "imagePullPolicy": "Never",
                    "command": ["sleep", "3600"],
                    "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                }
            ],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}],
        },
    }


def _restarted_and_ready(core: k8s.CoreV1Api, namespace: str) -> Observation:
    pod = core.read_namespaced_pod("keeper", namespace)
    statuses = (pod.status.container_statuses if pod.status else None) or []
    restarted = bool(statuses) and statuses[0].restart_count >= 1 and bool(statuses[0].ready)
    return Observation(
        restarted, why_not_ready(pod) + f"; restarts {[s.restart_count for s in statuses]}"
    )


@pytest.mark.disruptive
def test_zz_a_pvc_binds_and_its_data_survives_a_node_restart(
    request: pytest.FixtureRequest,
    cluster: DebianCluster,
    kube_api: k8s.ApiClient,
    busybox_image: str,
) -> None:
    core = k8s.CoreV1Api(kube_api)
    identity = request.config.stash[run_identity_key]
    marker = uuid.uuid4().hex
    api_port_before = cluster.kubeconfig_path.read_text()
    with labelled_namespace(kube_api, identity, "pvc") as namespace:
        core.create_namespaced_persistent_volume_claim(
            namespace,
            k8s.V1PersistentVolumeClaim(
                metadata=k8s.V1ObjectMeta(name="data"),
                spec=k8s.V1PersistentVolumeClaimSpec(
                    access_modes=["ReadWriteOnce"],
                    resources=k8s.V1VolumeResourceRequirements(requests={"storage": "16Mi"}),
                ),
            ),
        )
        core.create_namespaced_pod(namespace, _pvc_pod("data"))
        wait_pod_running(kube_api, namespace, "keeper")
        claim = core.read_namespaced_persistent_volume_claim("data", namespace)
        assert claim.status is not None
        assert claim.status.phase == "Bound"
        assert claim.spec is not None
        assert claim.spec.storage_class_name == "local-path"
        code, output = exec_in_pod(
            kube_api, namespace, "keeper", ["sh", "-c", f"echo {marker} > /data/marker"]
        )
        assert code == 0, output

        cluster.restart_node()

        # Same kubeconfig, same port: the restart kept the published API port.
        assert cluster.kubeconfig_path.read_text() == api_port_before
        wait_for(
            lambda: _restarted_and_ready(core, namespace),
            awaiting="pod keeper restarted by the node restart and ready again",
            timeout_s=120,
        )
        code, output = exec_in_pod(kube_api, namespace, "keeper", ["cat", "/data/marker"])
        assert (code, output.strip()) == (0, marker)
