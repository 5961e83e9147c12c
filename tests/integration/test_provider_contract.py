"""The Cluster contract, one suite for every provider that creates its cluster.

Each provider runs these same tests; a provider is skipped only when its prerequisite is
absent here (the rancher/k3s image, the k3d binary), with the reason, so that on a machine
with them the K3S providers are exercised for real. debian:// reuses the session's cluster.
The node restart runs last for each provider: it disturbs the cluster."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
import requests
import yaml
from kubernetes import client as k8s

from homelab_acceptance.cluster import Cluster, open_cluster
from homelab_acceptance.cluster.k3s import DEFAULT_IMAGE, image_unavailable_reason
from homelab_acceptance.cluster.node_container import CAPABILITIES, PRIVILEGED
from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.kube.client import api_client_for, raw_get
from homelab_acceptance.kube.namespaces import labelled_namespace
from homelab_acceptance.kube.pods import exec_in_pod, wait_pod_running, why_not_ready
from homelab_acceptance.pytest_plugin.session_state import progress_printer, run_identity_key
from homelab_acceptance.run_identity import LABEL
from homelab_acceptance.waiting import Observation, wait_for

PROVIDER_SPECS = ["debian://", "k3s://", "k3d://k3d-config.yaml"]
HELLO = "hello from homelab-acceptance"


def missing_prerequisite(spec: str) -> str | None:
    if spec.startswith("k3d://") and shutil.which("k3d") is None:
        return "no k3d binary on PATH"
    if spec.startswith(("k3s://", "k3d://")):
        reason = image_unavailable_reason(connect_docker(), DEFAULT_IMAGE, pull_timeout_s=10)
        if reason is not None:
            return f"{DEFAULT_IMAGE} is {reason}"
    return None


@pytest.fixture(scope="module", params=PROVIDER_SPECS)
def provider_cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    spec: str = request.param
    missing = missing_prerequisite(spec)
    if missing is not None:
        pytest.skip(f"{spec} not exercised here: {missing}")
    session_cluster: Cluster = request.getfixturevalue("cluster")
    if session_cluster.provider == spec.partition("://")[0]:
        yield session_cluster
        return
    show = progress_printer(request.config)
    with open_cluster(spec, progress=show) as own:
        yield own


@pytest.fixture(scope="module")
def provider_api(provider_cluster: Cluster) -> k8s.ApiClient:
    return api_client_for(provider_cluster.kubeconfig_path)


@pytest.fixture(scope="module")
def provider_busybox(provider_cluster: Cluster, built_busybox_image: str) -> str:
    provider_cluster.import_images([built_busybox_image])
    return built_busybox_image


def the_clusters_containers(cluster: Cluster) -> list[Any]:
    client = connect_docker()
    run_id = getattr(cluster, "identity").run_id  # noqa: B009 - every creating provider has one
    found = client.containers.list(filters={"label": f"{LABEL}={run_id}"})
    if cluster.provider == "k3d":
        found += client.containers.list(filters={"label": f"k3d.cluster=hla-{run_id}"})
    return found


def test_kubeconfig_is_private_and_points_at_loopback(provider_cluster: Cluster) -> None:
    path = provider_cluster.kubeconfig_path
    assert path.stat().st_mode & 0o777 == 0o600
    server = yaml.safe_load(path.read_text())["clusters"][0]["cluster"]["server"]
    assert server.startswith("https://127.0.0.1:")


def test_the_version_is_reported(provider_cluster: Cluster) -> None:
    assert provider_cluster.kubernetes_version.startswith("v1.")


def test_published_ports_listen_on_loopback_only(provider_cluster: Cluster) -> None:
    containers = the_clusters_containers(provider_cluster)
    assert containers
    bindings = [b for c in containers for ports in c.ports.values() for b in ports or []]
    assert bindings
    assert {b["HostIp"] for b in bindings} == {"127.0.0.1"}


def test_the_node_container_mode_is_reported(provider_cluster: Cluster) -> None:
    mode = provider_cluster.describe().get("security_mode")
    if mode is None:
        pytest.skip(f"{provider_cluster.provider}:// does not run the node container itself")
    assert mode in (PRIVILEGED, CAPABILITIES)


def test_the_default_storage_class_is_local_path(provider_api: k8s.ApiClient) -> None:
    default = [
        c.metadata.name
        for c in k8s.StorageV1Api(provider_api).list_storage_class().items
        if c.metadata
        and (c.metadata.annotations or {}).get("storageclass.kubernetes.io/is-default-class")
        == "true"
    ]
    assert default == ["local-path"]


def test_kubelet_and_cadvisor_metrics_are_reachable_for_prometheus(
    provider_cluster: Cluster, provider_api: k8s.ApiClient
) -> None:
    node = provider_cluster.node_name
    status, body = raw_get(provider_api, f"/api/v1/nodes/{node}/proxy/metrics/cadvisor")
    assert status == 200
    assert "container_cpu_usage_seconds_total" in body
    status, body = raw_get(provider_api, f"/api/v1/nodes/{node}/proxy/metrics")
    assert status == 200
    assert "kubelet_running_pods" in body or "kubelet_running_pod_count" in body


def _backup_crd(group: str) -> dict[str, Any]:
    """A namespaced custom resource type, as an operator a homelab runs (a backup tool) ships."""
    schema = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {"schedule": {"type": "string"}, "keep": {"type": "integer"}},
            }
        },
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"backups.{group}", "labels": {LABEL: "contract"}},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": "backups", "singular": "backup", "kind": "Backup"},
            "versions": [
                {"name": "v1", "served": True, "storage": True,
                 "schema": {"openAPIV3Schema": schema}}
            ],
        },
    }  # fmt: skip


def test_a_custom_resource_is_created_read_updated_and_deleted(
    request: pytest.FixtureRequest, provider_api: k8s.ApiClient
) -> None:
    """What ServiceMonitors, IngressRoutes, Certificates and Flux objects need: a CRD and its
    objects (the old debian:// node's API server crashed at the first such write)."""
    group = f"contract-{uuid.uuid4().hex[:8]}.homelab-acceptance.invalid"
    extensions = k8s.ApiextensionsV1Api(provider_api)
    custom = k8s.CustomObjectsApi(provider_api)
    extensions.create_custom_resource_definition(_backup_crd(group))
    try:

        def established() -> Observation:
            crd = extensions.read_custom_resource_definition(f"backups.{group}")
            conditions = {c.type: c.status for c in (crd.status.conditions or [])}
            return Observation(conditions.get("Established") == "True", str(conditions))

        wait_for(established, awaiting=f"CRD backups.{group} Established", timeout_s=60)
        identity = request.config.stash[run_identity_key]
        with labelled_namespace(provider_api, identity, "crd") as namespace:
            body = {
                "apiVersion": f"{group}/v1",
                "kind": "Backup",
                "metadata": {"name": "nightly"},
                "spec": {"schedule": "0 3 * * *", "keep": 7},
            }
            where = (group, "v1", namespace, "backups")
            custom.create_namespaced_custom_object(*where, body)
            read = custom.get_namespaced_custom_object(*where, "nightly")
            assert read["spec"] == {"schedule": "0 3 * * *", "keep": 7}
            custom.patch_namespaced_custom_object(*where, "nightly", {"spec": {"keep": 14}})
            assert custom.get_namespaced_custom_object(*where, "nightly")["spec"]["keep"] == 14
            custom.delete_namespaced_custom_object(*where, "nightly")
            left = custom.list_namespaced_custom_object(*where)["items"]
            assert [item["metadata"]["name"] for item in left] == []
    finally:
        extensions.delete_custom_resource_definition(f"backups.{group}")


def test_a_pod_from_a_local_image_serves_on_cluster_ip_dns_name_and_node_port(
    request: pytest.FixtureRequest,
    provider_cluster: Cluster,
    provider_api: k8s.ApiClient,
    provider_busybox: str,
    deploy_web_app: Callable[..., AbstractContextManager[Any]],
) -> None:
    identity = request.config.stash[run_identity_key]
    with deploy_web_app(provider_api, identity, "contract") as app:
        for url in (f"http://{app.cluster_ip}/", f"http://web.{app.namespace}.svc.cluster.local/"):
            code, output = exec_in_pod(
                provider_api, app.namespace, app.client_pod, ["wget", "-qO-", url]
            )
            assert (code, output.strip()) == (0, HELLO), url
        if provider_cluster.provider == "k3d":
            return  # k3d publishes only the ports its config names
        host, port = provider_cluster.node_port_address(app.node_port)
        assert requests.get(f"http://{host}:{port}/", timeout=5).text.strip() == HELLO


def _sleeper_pod(name: str, image: str, claim: str | None = None) -> dict[str, Any]:
    """A pod that sleeps, from a local image; with `claim`, the claim mounted at /data."""
    container: dict[str, Any] = {
        "name": name, "image": image, "imagePullPolicy": "Never", "command": ["sleep", "3600"],
    }  # fmt: skip
    spec: dict[str, Any] = {"terminationGracePeriodSeconds": 0, "containers": [container]}
    if claim is not None:
        container["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
        spec["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def test_cluster_dns_is_coredns_and_answers_for_services_and_the_node(
    request: pytest.FixtureRequest, provider_api: k8s.ApiClient, provider_busybox: str
) -> None:
    """As on K3S: the kube-dns Service is served by the pods of Deployment kube-system/coredns,
    which answer for Services and for the node's own name (K3S's NodeHosts), and say NXDOMAIN
    for a Service that does not exist."""
    core = k8s.CoreV1Api(provider_api)
    slices = k8s.DiscoveryV1Api(provider_api).list_namespaced_endpoint_slice(
        "kube-system", label_selector="kubernetes.io/service-name=kube-dns"
    )
    serving = [
        endpoint.target_ref.name
        for piece in slices.items
        for endpoint in piece.endpoints or []
        if endpoint.target_ref and endpoint.conditions and endpoint.conditions.ready
    ]
    assert serving, "no ready endpoint behind kube-system/kube-dns"
    assert all(name.startswith("coredns-") for name in serving), serving
    node = core.list_node().items[0]
    assert node.metadata is not None
    assert node.status is not None
    node_ip = next(a.address for a in node.status.addresses or [] if a.type == "InternalIP")
    kubernetes_ip = core.read_namespaced_service("kubernetes", "default").spec.cluster_ip
    identity = request.config.stash[run_identity_key]
    with labelled_namespace(provider_api, identity, "dns") as namespace:
        core.create_namespaced_pod(namespace, _sleeper_pod("asker", provider_busybox))
        wait_pod_running(provider_api, namespace, "asker")
        # Fully qualified (a trailing dot): busybox's nslookup tries every search domain
        # otherwise, and fails if any of them is NXDOMAIN.
        for name, address in (
            ("kubernetes.default.svc.cluster.local.", kubernetes_ip),
            (f"{node.metadata.name}.", node_ip),
        ):
            code, output = exec_in_pod(provider_api, namespace, "asker", ["nslookup", name])
            assert code == 0, (name, output)
            assert f"Address: {address}" in output, (name, output)
        missing = "no-such-service.default.svc.cluster.local."
        code, output = exec_in_pod(provider_api, namespace, "asker", ["nslookup", missing])
        assert code != 0, output
        assert "NXDOMAIN" in output, output


def _restarted_and_ready(core: k8s.CoreV1Api, namespace: str) -> Observation:
    pod = core.read_namespaced_pod("keeper", namespace)
    statuses = (pod.status.container_statuses if pod.status else None) or []
    restarted = bool(statuses) and statuses[0].restart_count >= 1 and bool(statuses[0].ready)
    restarts = [s.restart_count for s in statuses]
    return Observation(restarted, f"{why_not_ready(pod)}; restarts {restarts}")


@pytest.mark.disruptive
def test_zz_a_pvc_binds_and_its_data_survives_a_node_restart(
    request: pytest.FixtureRequest,
    provider_cluster: Cluster,
    provider_api: k8s.ApiClient,
    provider_busybox: str,
) -> None:
    core = k8s.CoreV1Api(provider_api)
    identity = request.config.stash[run_identity_key]
    marker = uuid.uuid4().hex
    kubeconfig_before = provider_cluster.kubeconfig_path.read_text()
    with labelled_namespace(provider_api, identity, "pvc") as namespace:
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
        core.create_namespaced_pod(namespace, _sleeper_pod("keeper", provider_busybox, "data"))
        wait_pod_running(provider_api, namespace, "keeper")
        claim = core.read_namespaced_persistent_volume_claim("data", namespace)
        assert claim.status is not None
        assert claim.status.phase == "Bound"
        assert claim.spec is not None
        assert claim.spec.storage_class_name == "local-path"
        write = ["sh", "-c", f"echo {marker} > /data/marker"]
        code, output = exec_in_pod(provider_api, namespace, "keeper", write)
        assert code == 0, output

        provider_cluster.restart_node()

        # Same kubeconfig, same port: the restart kept the published API port.
        assert provider_cluster.kubeconfig_path.read_text() == kubeconfig_before
        wait_for(
            lambda: _restarted_and_ready(core, namespace),
            awaiting="pod keeper restarted by the node restart and ready again",
            timeout_s=120,
        )
        code, output = exec_in_pod(provider_api, namespace, "keeper", ["cat", "/data/marker"])
        assert (code, output.strip()) == (0, marker)
