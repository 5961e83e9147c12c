"""Smoke suite: the cluster under test works as a K3S user expects of a single node.

Each check names what it guards; each turns red when that part is broken (see the harness's
own tests for the broken-node variants)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import requests
from kubernetes import client as k8s

from homelab_acceptance.cluster import Cluster
from homelab_acceptance.kube.pods import exec_in_pod
from homelab_acceptance.waiting import Observation, wait_for

pytestmark = pytest.mark.requirement(
    "cluster-works",
    "The cluster works as a K3S user expects of a single node",
)

if TYPE_CHECKING:  # a fixture of the plugin (pytest_plugin/workloads.py)
    from homelab_acceptance.pytest_plugin.workloads import WebApp


def test_api_reports_a_kubernetes_version(cluster: Cluster) -> None:
    assert cluster.kubernetes_version.startswith("v1."), cluster.kubernetes_version


def test_the_single_node_is_ready_and_schedulable(
    kube_api: k8s.ApiClient, cluster: Cluster
) -> None:
    nodes = k8s.CoreV1Api(kube_api).list_node().items
    assert [n.metadata.name for n in nodes if n.metadata] == [cluster.node_name]
    node = nodes[0]
    assert node.spec is not None
    assert not node.spec.unschedulable
    assert node.status is not None
    ready = [c.status for c in node.status.conditions or [] if c.type == "Ready"]
    assert ready == ["True"]


#: What the web app serves.
HELLO = "hello from homelab-acceptance"
#: How long a new Service may take to be routed: kube-proxy programs its rules on its next
#: sync, and on a loaded node a just-freed cluster IP still led to the old Service's pods
#: for a moment (CI saw a 404 from one).
ROUTED_WITHIN_S = 30.0


def _answers_from_the_client_pod(kube_api: k8s.ApiClient, web_app: WebApp, url: str) -> None:
    def look() -> Observation:
        code, output = exec_in_pod(
            kube_api, web_app.namespace, web_app.client_pod, ["wget", "-qO-", url]
        )
        answer = output.strip()
        return Observation((code, answer) == (0, HELLO), f"exit {code}: {answer[:160]!r}")

    wait_for(
        look,
        awaiting=f"{url} to answer {HELLO!r} to pod {web_app.namespace}/{web_app.client_pod}",
        timeout_s=ROUTED_WITHIN_S,
    )


def test_a_service_answers_on_its_cluster_ip(kube_api: k8s.ApiClient, web_app: WebApp) -> None:
    _answers_from_the_client_pod(kube_api, web_app, f"http://{web_app.cluster_ip}/")


def test_a_service_answers_on_its_dns_name(kube_api: k8s.ApiClient, web_app: WebApp) -> None:
    url = f"http://web.{web_app.namespace}.svc.cluster.local/"
    _answers_from_the_client_pod(kube_api, web_app, url)


def test_an_unknown_service_name_does_not_resolve(kube_api: k8s.ApiClient, web_app: WebApp) -> None:
    # Guards the DNS check above against a resolver that answers every name.
    name = f"no-such-service.{web_app.namespace}.svc.cluster.local"
    code, output = exec_in_pod(kube_api, web_app.namespace, web_app.client_pod, ["nslookup", name])
    assert code != 0, output


def test_a_nodeport_answers_on_the_hosts_loopback(cluster: Cluster, web_app: WebApp) -> None:
    host, port = cluster.node_port_address(web_app.node_port)
    response = requests.get(f"http://{host}:{port}/", timeout=5)
    assert response.status_code == 200
    assert response.text.strip() == HELLO
