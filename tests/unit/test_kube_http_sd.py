"""The kube-http-sd sidecar: API objects translated into the target groups and labels
Prometheus's own Kubernetes discovery gives, and the server run as a real process on loopback,
answering Prometheus's HTTP SD from a fake API server (plain HTTP through the sidecar's
TEST_ONLY_PLAIN_HTTP_API_URL), with one-line 503s when the API fails."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests

from homelab_acceptance.waiting import Observation, wait_for

SIDECAR = Path(__file__).parents[2] / "stack" / "images" / "kube-http-sd" / "kube_http_sd.py"
TOKEN = "token-that-must-never-be-printed"
META = "__meta_kubernetes_"

NODES: dict[str, Any] = {
    "kind": "NodeList",
    "apiVersion": "v1",
    "items": [
        {
            "metadata": {
                "name": "hla-node-1",
                "labels": {
                    "kubernetes.io/hostname": "hla-node-1",
                    "node-role.kubernetes.io/master": "",
                },
                "annotations": {"node.alpha.kubernetes.io/ttl": "0"},
            },
            "status": {
                "addresses": [
                    {"type": "Hostname", "address": "hla-node-1"},
                    {"type": "InternalIP", "address": "172.18.0.2"},
                ],
                "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            },
        },
        # A node that has not reported an address yet: Prometheus skips it.
        {"metadata": {"name": "hla-node-2"}, "status": {"addresses": []}},
    ],
}
SERVICES: dict[str, Any] = {
    "kind": "ServiceList",
    "apiVersion": "v1",
    "items": [
        {
            "metadata": {
                "name": "sample-app",
                "namespace": "apps",
                "labels": {"app.kubernetes.io/name": "sample-app"},
                "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "8080"},
            },
            "spec": {"ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]},
        },
        {
            "metadata": {"name": "kubernetes", "namespace": "default"},
            "spec": {"ports": [{"name": "https", "port": 443, "protocol": "TCP"}]},
        },
    ],
}
SAMPLE_APP_ENDPOINTS: dict[str, Any] = {
    "metadata": {"name": "sample-app", "namespace": "apps", "labels": {"app": "sample"}},
    "subsets": [
        {
            "addresses": [
                {
                    "ip": "10.42.0.7",
                    "nodeName": "hla-node-1",
                    "targetRef": {"kind": "Pod", "name": "sample-app-5d9c-abcde"},
                }
            ],
            "notReadyAddresses": [
                {
                    "ip": "10.42.0.9",
                    "nodeName": "hla-node-1",
                    "targetRef": {"kind": "Pod", "name": "sample-app-5d9c-fghij"},
                }
            ],
            "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
        }
    ],
}
ENDPOINTS: dict[str, Any] = {
    "kind": "EndpointsList",
    "apiVersion": "v1",
    "items": [
        SAMPLE_APP_ENDPOINTS,
        {
            "metadata": {"name": "kubernetes", "namespace": "default"},
            "subsets": [
                {
                    "addresses": [{"ip": "172.18.0.2"}],
                    "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}],
                }
            ],
        },
        # A Deployment scaled to zero: its Endpoints object stays, with no subsets.
        {"metadata": {"name": "idle", "namespace": "apps"}},
    ],
}


@pytest.fixture(scope="module")
def sd() -> Iterator[ModuleType]:
    """The sidecar's module, loaded from the image recipe it ships in (registered while in
    use: its dataclasses look their module up)."""
    spec = importlib.util.spec_from_file_location("kube_http_sd", SIDECAR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def by_target(groups: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Each group's labels by its one target (the sidecar gives every target its own group)."""
    assert all(len(group["targets"]) == 1 for group in groups)
    found = {group["targets"][0]: group["labels"] for group in groups}
    assert len(found) == len(groups), "a target was listed twice"
    return found


def test_a_node_is_its_kubelet_at_the_internal_ip_named_by_the_node(sd: ModuleType) -> None:
    assert sd.node_groups(NODES) == [
        {
            "targets": ["172.18.0.2:10250"],
            "labels": {
                f"{META}node_name": "hla-node-1",
                "instance": "hla-node-1",
                f"{META}node_label_kubernetes_io_hostname": "hla-node-1",
                f"{META}node_labelpresent_kubernetes_io_hostname": "true",
                f"{META}node_label_node_role_kubernetes_io_master": "",
                f"{META}node_labelpresent_node_role_kubernetes_io_master": "true",
                f"{META}node_annotation_node_alpha_kubernetes_io_ttl": "0",
                f"{META}node_annotationpresent_node_alpha_kubernetes_io_ttl": "true",
                f"{META}node_address_Hostname": "hla-node-1",
                f"{META}node_address_InternalIP": "172.18.0.2",
            },
        }
    ]


def test_a_node_without_an_internal_ip_falls_back_as_prometheus_does(sd: ModuleType) -> None:
    node = {
        "metadata": {"name": "n"},
        "status": {
            "addresses": [
                {"type": "Hostname", "address": "n.lan"},
                {"type": "ExternalIP", "address": "fd00::5"},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        },
    }
    (group,) = sd.node_groups({"items": [node]})
    assert group["targets"] == ["[fd00::5]:10250"]


def test_every_ready_and_unready_address_is_a_target_with_its_service(sd: ModuleType) -> None:
    targets = by_target(sd.endpoints_groups(ENDPOINTS, SERVICES))
    assert set(targets) == {"10.42.0.7:8080", "10.42.0.9:8080", "172.18.0.2:6443"}
    shared = {
        f"{META}namespace": "apps",
        f"{META}endpoints_name": "sample-app",
        f"{META}endpoints_label_app": "sample",
        f"{META}endpoints_labelpresent_app": "true",
        f"{META}service_name": "sample-app",
        f"{META}service_label_app_kubernetes_io_name": "sample-app",
        f"{META}service_labelpresent_app_kubernetes_io_name": "true",
        f"{META}service_annotation_prometheus_io_scrape": "true",
        f"{META}service_annotationpresent_prometheus_io_scrape": "true",
        f"{META}service_annotation_prometheus_io_port": "8080",
        f"{META}service_annotationpresent_prometheus_io_port": "true",
        f"{META}endpoint_port_name": "http",
        f"{META}endpoint_port_protocol": "TCP",
        f"{META}endpoint_node_name": "hla-node-1",
        f"{META}endpoint_address_target_kind": "Pod",
        f"{META}pod_node_name": "hla-node-1",
    }
    assert targets["10.42.0.7:8080"] == {
        **shared,
        f"{META}endpoint_ready": "true",
        f"{META}endpoint_address_target_name": "sample-app-5d9c-abcde",
        f"{META}pod_name": "sample-app-5d9c-abcde",
    }
    # Prometheus lists a not-ready address too, labelled so that relabelling may drop it.
    assert targets["10.42.0.9:8080"] == {
        **shared,
        f"{META}endpoint_ready": "false",
        f"{META}endpoint_address_target_name": "sample-app-5d9c-fghij",
        f"{META}pod_name": "sample-app-5d9c-fghij",
    }


def test_an_address_without_a_pod_has_no_pod_labels(sd: ModuleType) -> None:
    labels = by_target(sd.endpoints_groups(ENDPOINTS, SERVICES))["172.18.0.2:6443"]
    assert labels == {
        f"{META}namespace": "default",
        f"{META}endpoints_name": "kubernetes",
        f"{META}service_name": "kubernetes",
        f"{META}endpoint_port_name": "https",
        f"{META}endpoint_port_protocol": "TCP",
        f"{META}endpoint_ready": "true",
    }


def test_endpoints_without_their_service_keep_their_own_labels_only(sd: ModuleType) -> None:
    groups = sd.endpoints_groups({"items": [SAMPLE_APP_ENDPOINTS]}, {"items": []})
    for labels in by_target(groups).values():
        assert not any(name.startswith(f"{META}service_") for name in labels)
        assert labels[f"{META}namespace"] == "apps"


def test_a_workload_scaled_to_zero_has_no_targets(sd: ModuleType) -> None:
    scaled_down = {**SAMPLE_APP_ENDPOINTS, "subsets": []}
    assert sd.endpoints_groups({"items": [scaled_down]}, SERVICES) == []
    idle = [e for e in ENDPOINTS["items"] if e["metadata"]["name"] == "idle"]
    assert sd.endpoints_groups({"items": idle}, SERVICES) == []


@pytest.mark.parametrize(
    ("name", "sanitized"),
    [
        ("prometheus.io/scrape", "prometheus_io_scrape"),
        ("app.kubernetes.io/name", "app_kubernetes_io_name"),
        ("team-ä", "team__"),
        ("already_fine_9", "already_fine_9"),
    ],
)
def test_label_names_are_sanitized_as_prometheus_does(
    sd: ModuleType, name: str, sanitized: str
) -> None:
    assert sd.sanitize(name) == sanitized


@dataclass
class FakeApi:
    """A stand-in API server: canned replies by path, and the Authorization headers it saw."""

    url: str
    replies: dict[str, tuple[int, Any]] = field(default_factory=dict)
    authorizations: list[str] = field(default_factory=list)


@contextmanager
def fake_api() -> Iterator[FakeApi]:
    api = FakeApi("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            api.authorizations.append(self.headers.get("Authorization", ""))
            status, document = api.replies.get(self.path, (404, {"message": "no such path"}))
            body = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test asserts on what was asked, not on a log."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Sidecar:
    process: subprocess.Popen[str]
    lines: list[dict[str, Any]]
    environment: dict[str, str]

    def line(self, msg: str) -> dict[str, Any]:
        def look() -> Observation:
            found = [line for line in list(self.lines) if line["msg"] == msg]
            return Observation(bool(found), f"{len(self.lines)} lines, no {msg!r}")

        wait_for(look, awaiting=f"the sidecar's {msg!r} line", timeout_s=10)
        return next(line for line in self.lines if line["msg"] == msg)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.line('started')['port']}"

    def get(self, path: str) -> requests.Response:
        return requests.get(self.url + path, timeout=10)


@contextmanager
def sidecar(tmp_path: Path, **environment: str) -> Iterator[Sidecar]:
    """The sidecar as a process of its own on a free loopback port, its ServiceAccount a
    token file in `tmp_path`."""
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "token").write_text(TOKEN + "\n")
    env = {**os.environ, "PORT": "0", "SERVICEACCOUNT_DIR": str(tmp_path), **environment}
    command = [sys.executable, str(SIDECAR)]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) as process:
        lines: list[dict[str, Any]] = []
        reader = threading.Thread(
            target=lambda: lines.extend(json.loads(text) for text in process.stdout or ())
        )
        reader.start()
        try:
            yield Sidecar(process, lines, env)
        finally:
            process.kill()  # nothing to do when SIGTERM ended it; Popen's exit reaps it
            reader.join(timeout=5)


@pytest.fixture
def api() -> Iterator[FakeApi]:
    with fake_api() as started:
        started.replies = {
            "/api/v1/nodes": (200, NODES),
            "/api/v1/nodes?limit=1": (200, NODES),
            "/api/v1/endpoints": (200, ENDPOINTS),
            "/api/v1/services": (200, SERVICES),
        }
        yield started


def test_the_sidecar_answers_http_sd_with_the_apis_objects(
    sd: ModuleType, api: FakeApi, tmp_path: Path
) -> None:
    with sidecar(tmp_path, TEST_ONLY_PLAIN_HTTP_API_URL=api.url) as running:
        nodes = running.get("/targets?role=node")
        assert nodes.status_code == 200
        assert nodes.headers["Content-Type"] == "application/json"
        assert nodes.json() == sd.node_groups(NODES)
        endpoints = running.get("/targets?role=endpoints")
        assert endpoints.status_code == 200
        assert endpoints.json() == sd.endpoints_groups(ENDPOINTS, SERVICES)
    # The ServiceAccount's token, read from its file, went with every request.
    assert api.authorizations == [f"Bearer {TOKEN}"] * 3


def test_an_api_error_is_a_503_with_one_line_and_a_json_log_line(
    api: FakeApi, tmp_path: Path
) -> None:
    api.replies["/api/v1/services"] = (500, {"kind": "Status", "message": "etcdserver:\n down"})
    with sidecar(tmp_path, TEST_ONLY_PLAIN_HTTP_API_URL=api.url) as running:
        reply = running.get("/targets?role=endpoints")
        logged = running.line("discovery failed")
    expected = (
        f"GET /api/v1/services from {api.url}: HTTP 500 Internal Server Error: etcdserver: down"
    )
    assert (reply.status_code, reply.text) == (503, expected)
    assert (logged["level"], logged["what"], logged["error"]) == (
        "error",
        "role endpoints",
        expected,
    )
    assert TOKEN not in json.dumps(running.lines)


def test_an_unreachable_api_and_a_missing_ca_are_one_line_each(tmp_path: Path) -> None:
    with fake_api() as gone:
        url = gone.url
    with sidecar(tmp_path / "a", TEST_ONLY_PLAIN_HTTP_API_URL=url) as running:
        reply = running.get("/targets?role=node")
        assert reply.status_code == 503
        assert reply.text.startswith(f"GET /api/v1/nodes from {url}: ")
        assert "Connection refused" in reply.text
    # The real path (HTTPS verified with the account's ca.crt) names the missing CA.
    in_cluster = {"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": "9"}
    with sidecar(tmp_path / "b", **in_cluster) as running:
        reply = running.get("/targets?role=node")
        assert (reply.status_code, reply.text) == (
            503, f"no cluster CA at {tmp_path / 'b' / 'ca.crt'}: No such file or directory",
        )  # fmt: skip


def test_an_unknown_role_is_a_400_naming_the_known_ones(api: FakeApi, tmp_path: Path) -> None:
    with sidecar(tmp_path, TEST_ONLY_PLAIN_HTTP_API_URL=api.url) as running:
        reply = running.get("/targets?role=pod")
    assert (reply.status_code, reply.text) == (
        400, "unknown role 'pod': ask /targets?role= one of node, endpoints",
    )  # fmt: skip
    assert api.authorizations == []


def test_the_probe_is_ready_only_while_the_api_answers(api: FakeApi, tmp_path: Path) -> None:
    with sidecar(tmp_path, TEST_ONLY_PLAIN_HTTP_API_URL=api.url) as running:
        probe_env = {**running.environment, "PORT": str(running.line("started")["port"])}

        def probe() -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, str(SIDECAR), "--probe"],
                env=probe_env, capture_output=True, text=True, timeout=10, check=False,
            )  # fmt: skip

        assert probe().returncode == 0
        api.replies["/api/v1/nodes?limit=1"] = (403, {"message": "nodes is forbidden"})
        failed = probe()
    assert failed.returncode == 1
    assert failed.stdout.strip() == (
        f"not ready: GET /api/v1/nodes?limit=1 from {api.url}: HTTP 403 Forbidden: "
        "nodes is forbidden"
    )


def test_sigterm_stops_the_sidecar_at_once(api: FakeApi, tmp_path: Path) -> None:
    with sidecar(tmp_path, TEST_ONLY_PLAIN_HTTP_API_URL=api.url) as running:
        assert running.get("/healthz").status_code == 200
        began = time.monotonic()
        running.process.send_signal(signal.SIGTERM)
        code = running.process.wait(timeout=5)
        assert (code, running.line("stopped")["level"]) == (0, "info")
    assert time.monotonic() - began < 2
