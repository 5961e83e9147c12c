"""The reference stack's images, built with build_local_image (from Debian's packages;
Prometheus from its Go module) and run in plain Docker (no cluster): each one, started with its
image's defaults and nothing but a config file added, serves what the stack relies on."""

from __future__ import annotations

import io
import tarfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.docker.local_images import build_local_image
from homelab_acceptance.pytest_plugin.session_state import progress_printer, run_identity_key
from homelab_acceptance.run_identity import RunIdentity
from homelab_acceptance.waiting import Observation, wait_for

IMAGES_DIR = Path(__file__).parents[2] / "stack" / "images"
#: recipe → (tag, ENTRYPOINT): what the stack's manifests rely on.
IMAGES = {
    "prometheus": (
        "homelab-acceptance/prometheus:3.16.0",
        ["/bin/prometheus"],
    ),
    "alertmanager": (
        "homelab-acceptance/alertmanager:0.25.0-deb12",
        ["/usr/bin/prometheus-alertmanager"],
    ),
    "node-exporter": (
        "homelab-acceptance/node-exporter:1.5.0-deb12",
        ["/usr/bin/prometheus-node-exporter"],
    ),
    "blackbox-exporter": (
        "homelab-acceptance/blackbox-exporter:0.23.0-deb12",
        ["/usr/bin/prometheus-blackbox-exporter"],
    ),
    "sample-app": ("homelab-acceptance/sample-app:1.0.0", ["python3", "/app/sample_app.py"]),
    "alert-sink": ("homelab-acceptance/alert-sink:1.0.0", ["python3", "/app/alert_sink.py"]),
}
PROMETHEUS_CONFIG = b"""\
global:
  scrape_interval: 15s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ["127.0.0.1:9090"]
"""
#: Kubernetes discovery against an API server that is not there: loads, finds nothing.
KUBERNETES_SD_CONFIG = b"""\
scrape_configs:
  - job_name: nodes
    kubernetes_sd_configs:
      - role: node
        api_server: https://127.0.0.1:6443
"""
ALERTMANAGER_CONFIG = b"""\
route:
  receiver: "null"
receivers:
  - name: "null"
"""
READY_TIMEOUT_S = 60


@dataclass(frozen=True)
class ConfiguredServer:
    """A server that reads its config from its image's default path (where the stack mounts
    its ConfigMap), and how to see it loaded."""

    recipe: str
    port: int
    config_path: str
    config: bytes
    status_api: str
    loaded_config: Callable[[dict[str, Any]], str]
    marker: str


CONFIGURED_SERVERS = [
    ConfiguredServer(
        "prometheus",
        9090,
        "/etc/prometheus/prometheus.yml",
        PROMETHEUS_CONFIG,
        "/api/v1/status/config",
        lambda status: str(status["data"]["yaml"]),
        "job_name: prometheus",
    ),
    ConfiguredServer(
        "alertmanager",
        9093,
        "/etc/prometheus/alertmanager.yml",
        ALERTMANAGER_CONFIG,
        "/api/v2/status",
        lambda status: str(status["config"]["original"]),
        'receiver: "null"',
    ),
]


@pytest.fixture(scope="module")
def stack_images(request: pytest.FixtureRequest) -> dict[str, str]:
    """Every recipe built (Docker's layer cache makes a rebuild take about a second)."""
    client, show = connect_docker(), progress_printer(request.config)
    built = {}
    for recipe, (tag, _) in IMAGES.items():
        began = time.monotonic()
        built[recipe] = build_local_image(client, IMAGES_DIR / recipe, tag, show)
        show(f"stack image {tag}: built in {time.monotonic() - began:.1f} s")
    return built


@pytest.fixture(scope="module")
def identity(request: pytest.FixtureRequest) -> RunIdentity:
    return request.config.stash[run_identity_key]


@pytest.fixture(scope="module")
def network(identity: RunIdentity) -> Iterator[str]:
    """A labelled Docker network where the containers find each other by name."""
    client = connect_docker()
    name = f"hla-images-{identity.run_id}"
    created = client.networks.create(name, labels=identity.labels())
    try:
        yield name
    finally:
        created.remove()


@contextmanager
def running(
    image: str,
    name: str,
    port: int,
    *,
    network: str,
    identity: RunIdentity,
    files: dict[str, bytes] | None = None,
) -> Iterator[str]:
    """`image` run by its bare ENTRYPOINT as container `name` on `network`, with `files`
    (absolute path → content, world-readable) put in place first and `port` published on
    127.0.0.1; yields its base URL and removes the container afterwards, whatever happened."""
    client = connect_docker()
    container = client.containers.create(
        image,
        name=name,
        labels=identity.labels(),
        network=network,
        ports={f"{port}/tcp": ("127.0.0.1", None)},
    )
    try:
        for path, content in (files or {}).items():
            container.put_archive(str(Path(path).parent), _one_file_tar(Path(path).name, content))
        container.start()
        container.reload()
        host_port = container.attrs["NetworkSettings"]["Ports"][f"{port}/tcp"][0]["HostPort"]
        yield f"http://127.0.0.1:{host_port}"
    finally:
        container.remove(force=True)


def _one_file_tar(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        entry = tarfile.TarInfo(name)
        entry.size, entry.mode = len(content), 0o644
        archive.addfile(entry, io.BytesIO(content))
    return buffer.getvalue()


def wait_serving(
    container: str, url: str, serves: Callable[[requests.Response], bool], what: str
) -> None:
    """Wait until `url` answers as `serves` wants; a container that exited fails at once with
    its last error line (or last line)."""

    def look() -> Observation:
        state = connect_docker().containers.get(container)
        if state.status == "exited":
            lines = state.logs(tail=20).decode(errors="replace").strip().splitlines() or [""]
            reason = next((line for line in reversed(lines) if "err" in line.lower()), lines[-1])
            pytest.fail(f"{container} exited while awaiting {what}: {reason}", pytrace=False)
        reply = requests.get(url, timeout=5)
        return Observation(serves(reply), f"HTTP {reply.status_code}: {reply.text[:200]}")

    wait_for(look, awaiting=f"{container}: {what}", timeout_s=READY_TIMEOUT_S)


def test_images_carry_the_agreed_entrypoints_and_run_as_nobody(
    stack_images: dict[str, str],
) -> None:
    client = connect_docker()
    configs = {tag: client.images.get(tag).attrs["Config"] for tag in stack_images.values()}
    seen = {tag: (config["Entrypoint"], config["User"]) for tag, config in configs.items()}
    assert seen == {tag: (entrypoint, "65534:65534") for tag, entrypoint in IMAGES.values()}


@pytest.mark.parametrize("server", CONFIGURED_SERVERS, ids=lambda server: server.recipe)
def test_ready_with_a_config_put_where_the_image_looks_for_it(
    stack_images: dict[str, str], identity: RunIdentity, network: str, server: ConfiguredServer
) -> None:
    """No flags: the ConfigMap the stack mounts at /etc/prometheus is what the image's defaults
    read, and the data directory is writable by the non-root user."""
    name = f"hla-images-{identity.run_id}-{server.recipe}"
    files = {server.config_path: server.config}
    with running(
        stack_images[server.recipe],
        name,
        server.port,
        network=network,
        identity=identity,
        files=files,
    ) as url:
        wait_serving(name, f"{url}/-/ready", lambda r: r.status_code == 200, "/-/ready")
        status = requests.get(f"{url}{server.status_api}", timeout=5).json()
        assert server.marker in server.loaded_config(status)


def test_prometheus_is_3_16_with_kubernetes_discovery(
    stack_images: dict[str, str], identity: RunIdentity, network: str
) -> None:
    """The version upstream's release builds stamp, and a configuration with
    kubernetes_sd_configs loads (Debian's 2.42 was built without it and refused one)."""
    client = connect_docker()
    version = client.containers.run(
        stack_images["prometheus"],
        ["--version"],
        remove=True,
        stdout=True,
        stderr=True,
        labels=identity.labels(),
    ).decode()
    assert version.startswith("prometheus, version 3.16.0 (branch: HEAD, revision: v0.316.0)")
    name = f"hla-images-{identity.run_id}-prometheus-kubernetes-sd"
    with running(
        stack_images["prometheus"],
        name,
        9090,
        network=network,
        identity=identity,
        files={"/etc/prometheus/prometheus.yml": KUBERNETES_SD_CONFIG},
    ) as url:
        wait_serving(name, f"{url}/-/ready", lambda r: r.status_code == 200, "/-/ready")
        status = requests.get(f"{url}/api/v1/status/config", timeout=5).json()
        assert "kubernetes_sd_configs" in status["data"]["yaml"]
        build = requests.get(f"{url}/api/v1/status/buildinfo", timeout=5).json()["data"]
        assert (build["version"], build["revision"]) == ("3.16.0", "v0.316.0")


def test_node_exporter_serves_cpu_seconds(
    stack_images: dict[str, str], identity: RunIdentity, network: str
) -> None:
    name = f"hla-images-{identity.run_id}-node-exporter"
    with running(
        stack_images["node-exporter"], name, 9100, network=network, identity=identity
    ) as url:
        wait_serving(
            name,
            f"{url}/metrics",
            lambda r: "\nnode_cpu_seconds_total{" in r.text,
            "node_cpu_seconds_total in /metrics",
        )


def test_blackbox_probes_the_sample_app_with_its_default_http_2xx_module(
    stack_images: dict[str, str], identity: RunIdentity, network: str
) -> None:
    app = f"hla-images-{identity.run_id}-sample-app"
    blackbox = f"hla-images-{identity.run_id}-blackbox"
    with (
        running(
            stack_images["sample-app"], app, 8080, network=network, identity=identity
        ) as app_url,
        running(
            stack_images["blackbox-exporter"], blackbox, 9115, network=network, identity=identity
        ) as url,
    ):
        wait_serving(app, f"{app_url}/healthz", lambda r: r.text == "ok", "/healthz ok")
        wait_serving(blackbox, f"{url}/-/healthy", lambda r: r.status_code == 200, "/-/healthy")

        def probe(path: str) -> str:
            target = f"http://{app}:8080{path}"
            reply = requests.get(
                f"{url}/probe", params={"target": target, "module": "http_2xx"}, timeout=15
            )
            reply.raise_for_status()
            return reply.text

        assert "\nprobe_success 1\n" in probe("/healthz")
        assert "\nprobe_success 0\n" in probe("/fail")
