"""The log checks against a FAKE Loki with its agent (fixtures/components/fake-loki: Loki's and
Promtail's images cannot be had here), which reads the cluster's real pod logs at query time and
answers with Loki's shapes. The cluster, the pod, the line it writes during the test and the
API server's service proxy are real. The line is found through the healthy fake, and the check
turns red, naming its query, through the one whose agent ships nothing; a declared log line
(the stack spec's `expect.logs`) is checked the same way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from component_stacks import provisioned_components
from kubernetes import client as k8s

from homelab_acceptance.checks.log_flow import check_unique_line_reaches_loki, write_marker
from homelab_acceptance.checks.logs import check_log_line
from homelab_acceptance.cluster import Cluster
from homelab_acceptance.errors import WaitTimeout
from homelab_acceptance.probes.service_proxy import ServiceProxy
from homelab_acceptance.spec import Component, Image, LogLine, ServiceRef

ROOT = Path(__file__).parents[2]
FAKE_LOKI = ROOT / "fixtures" / "components" / "fake-loki"
SAMPLE_APP = Image("homelab-acceptance/sample-app:1.0.0", ROOT / "stack" / "images" / "sample-app")
RED_TIMEOUT_S = 8


@pytest.fixture(scope="module")
def fake_loki(request: pytest.FixtureRequest, cluster: Cluster) -> Iterator[None]:
    component = Component(
        name="fake-loki", provisioner="manifests", source=FAKE_LOKI, namespace="loki",
        images=(SAMPLE_APP,), settle_timeout_s=120,
    )  # fmt: skip
    with provisioned_components(request, cluster, FAKE_LOKI, component):
        yield


@pytest.fixture
def writer(probe_pod: tuple[str, str]) -> tuple[str, str]:
    """The plugin's probe pod (busybox, in a labelled namespace): the tests write into its log."""
    return probe_pod


def loki(kube_api: k8s.ApiClient, name: str) -> ServiceProxy:
    return ServiceProxy(kube_api, ServiceRef("loki", name, 3100))


def test_a_line_written_now_comes_back_by_the_pods_labels(
    fake_loki: None, kube_api: k8s.ApiClient, writer: tuple[str, str]
) -> None:
    evidence: dict[str, Any] = {}
    check_unique_line_reaches_loki(kube_api, loki(kube_api, "loki"), writer, evidence)
    assert evidence["line"] == evidence["written"]["line"]
    assert evidence["query"] == (
        f'{{namespace="{writer[0]}", pod="{writer[1]}"}} |= "{evidence["written"]["line"]}"'
    )


def test_an_agent_that_ships_nothing_turns_the_check_red(
    fake_loki: None, kube_api: k8s.ApiClient, writer: tuple[str, str]
) -> None:
    with pytest.raises(WaitTimeout, match=r"a log line for \{namespace=.*: no matching line"):
        check_unique_line_reaches_loki(
            kube_api, loki(kube_api, "loki-deaf"), writer, {}, timeout_s=RED_TIMEOUT_S
        )


def test_a_declared_log_line_is_found_and_a_missing_one_named(
    fake_loki: None, kube_api: k8s.ApiClient, writer: tuple[str, str]
) -> None:
    marker = write_marker(kube_api, writer)
    selector = f'{{namespace="{writer[0]}", container=~"ma.n"}}'  # a regex matcher too
    found: dict[str, Any] = {}
    check_log_line(loki(kube_api, "loki"), LogLine(selector, marker, within_s=60), found)
    assert found["line"] == marker
    absent = LogLine(selector, "a line nobody wrote", within_s=RED_TIMEOUT_S)
    with pytest.raises(WaitTimeout, match="no matching line"):
        check_log_line(loki(kube_api, "loki"), absent, {})
