"""The reference stack's notification sink (stack/images/alert-sink), in this process on a
loopback port: it keeps Alertmanager's webhook payloads in arrival order and lists them with
the time each arrived; what is not a payload is refused and not kept."""

from __future__ import annotations

import importlib.util
import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import pytest
import requests

SINK = Path(__file__).parents[2] / "stack" / "images" / "alert-sink" / "alert_sink.py"


def _load_sink() -> ModuleType:
    spec = importlib.util.spec_from_file_location("alert_sink", SINK)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def sink_url() -> Iterator[str]:
    alert_sink = _load_sink()
    server = ThreadingHTTPServer(("127.0.0.1", 0), alert_sink.make_handler(alert_sink.Sink()))
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        serving.join(timeout=5)


def payload(status: str, alertname: str) -> dict[str, object]:
    return {
        "version": "4",
        "receiver": "homelab-webhook",
        "status": status,
        "alerts": [{"status": status, "labels": {"alertname": alertname}}],
    }


def test_payloads_are_listed_in_arrival_order_with_their_time(sink_url: str) -> None:
    before = time.time()
    for status in ("firing", "resolved"):
        answer = requests.post(f"{sink_url}/alerts", json=payload(status, "Down"), timeout=5)
        assert answer.status_code == 200
    listed = requests.get(f"{sink_url}/notifications", timeout=5).json()
    assert [entry["payload"]["status"] for entry in listed] == ["firing", "resolved"]
    assert listed[0]["payload"] == payload("firing", "Down")
    assert before <= listed[0]["received_at"] <= listed[1]["received_at"] <= time.time()


def test_what_is_not_json_is_refused_and_not_kept(sink_url: str) -> None:
    answer = requests.post(f"{sink_url}/alerts", data=b"{not json", timeout=5)
    assert answer.status_code == 400
    assert requests.get(f"{sink_url}/notifications", timeout=5).json() == []


def test_health_and_unknown_paths(sink_url: str) -> None:
    assert requests.get(f"{sink_url}/healthz", timeout=5).text == "ok\n"
    assert requests.get(f"{sink_url}/elsewhere", timeout=5).status_code == 404
    assert requests.post(f"{sink_url}/elsewhere", json={}, timeout=5).status_code == 404
