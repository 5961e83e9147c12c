"""The availability prober against a real HTTP server on 127.0.0.1 that the test switches off,
on, and to 503: every wait is on what the prober has recorded, never a fixed sleep."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from homelab_acceptance.errors import ConfigurationError
from homelab_acceptance.faults.availability import AvailabilityProber, ProbeTarget
from homelab_acceptance.waiting import Observation, wait_for


class SwitchableServer:
    """An HTTP server on a fixed loopback port: `on()`, `off()` (the port refuses
    connections), and `healthy` (False: it answers 503)."""

    def __init__(self) -> None:
        self.healthy = True
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    def on(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status = HTTPStatus.OK if owner.healthy else HTTPStatus.SERVICE_UNAVAILABLE
                body = b"ok" if owner.healthy else b"not ready"
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def off(self) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
        self._server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/healthz"


@pytest.fixture
def server() -> Iterator[SwitchableServer]:
    switchable = SwitchableServer()
    switchable.on()
    yield switchable
    if switchable._server is not None:
        switchable.off()


def _until_latest(prober: AvailabilityProber, target: str, ok: bool, timeout_s: float = 10) -> None:
    def look() -> Observation:
        sample = prober.latest(target)
        seen = "no sample" if sample is None else ("ok" if sample.ok else sample.error)
        return Observation(sample is not None and sample.ok == ok, seen)

    wait_for(
        look,
        awaiting=f"{target} sampled {'up' if ok else 'down'}",
        timeout_s=timeout_s,
        poll_s=0.02,
    )


def _until_samples(prober: AvailabilityProber, target: str, count: int) -> None:
    wait_for(
        lambda: Observation(len(prober.samples(target)) >= count, f"{len(prober.samples(target))}"),
        awaiting=f"{count} samples of {target}",
        timeout_s=10,
        poll_s=0.02,
    )


def test_an_outage_is_measured_from_the_disruption_and_recovery_is_seen(
    server: SwitchableServer,
) -> None:
    with AvailabilityProber([ProbeTarget("app", server.url, body="ok")]) as prober:
        _until_samples(prober, "app", 3)
        prober.mark_disruption()
        server.off()
        _until_latest(prober, "app", ok=False)
        _until_samples(prober, "app", len(prober.samples("app")) + 3)
        server.on()
        _until_latest(prober, "app", ok=True)
    seen = prober.stop()["app"]
    assert seen.failed_samples >= 3
    assert seen.downtime_s > 0
    assert seen.first_failure_s is not None
    assert seen.last_failure_s is not None
    assert 0 <= seen.first_failure_s <= seen.last_failure_s
    assert seen.recovered_after_s is not None
    assert seen.recovered_after_s > seen.last_failure_s
    # The whole outage lies inside the disruption-to-recovery window.
    assert seen.downtime_s <= seen.recovered_after_s
    # Refused, or (caught mid-shutdown) accepted and closed without an answer.
    assert seen.first_error.startswith("ConnectionError: "), seen.first_error


def test_a_wrong_status_is_a_failure_with_the_status(server: SwitchableServer) -> None:
    with AvailabilityProber([ProbeTarget("app", server.url)]) as prober:
        _until_latest(prober, "app", ok=True)
        server.healthy = False
        _until_latest(prober, "app", ok=False)
        server.healthy = True
        _until_latest(prober, "app", ok=True)
    seen = prober.stop()["app"]
    assert seen.first_error == "HTTP 503"
    assert seen.downtime_s > 0
    assert seen.recovered


def test_every_target_is_sampled_separately(server: SwitchableServer) -> None:
    gone = SwitchableServer()
    gone.on()
    gone.off()  # a port nobody listens on
    targets = [ProbeTarget("up", server.url), ProbeTarget("down", gone.url)]
    with AvailabilityProber(targets) as prober:
        _until_samples(prober, "up", 5)
        _until_samples(prober, "down", 5)
    result = prober.stop()
    assert result["up"].failed_samples == 0
    assert result["up"].downtime_s == 0
    assert result["down"].failed_samples == result["down"].samples
    assert not result["down"].recovered


def test_samples_are_taken_at_most_100_ms_apart_when_answers_are_fast(
    server: SwitchableServer,
) -> None:
    with AvailabilityProber([ProbeTarget("app", server.url)], interval_s=0.05) as prober:
        _until_samples(prober, "app", 20)
    times = [sample.monotonic_s for sample in prober.samples("app")]
    gaps = sorted(later - earlier for earlier, later in itertools.pairwise(times))
    assert gaps[len(gaps) // 2] <= 0.1, gaps


def test_it_stops_by_itself_after_its_maximum_duration(server: SwitchableServer) -> None:
    prober = AvailabilityProber([ProbeTarget("app", server.url)], max_duration_s=0.3)
    prober.start()
    wait_for(
        lambda: Observation(not prober.running, "still probing"),
        awaiting="the prober to stop at its maximum duration",
        timeout_s=10,
        poll_s=0.02,
    )
    assert prober.stop()["app"].samples >= 1


@pytest.mark.parametrize(
    "url",
    ["http://192.168.1.10:8080/", "https://homelab.example/readyz", "ftp://127.0.0.1/x"],
)
def test_only_loopback_http_targets_are_accepted(url: str) -> None:
    with pytest.raises(ConfigurationError, match="only http\\(s\\) on the loopback"):
        AvailabilityProber([ProbeTarget("far", url)])


def test_sampling_slower_than_100_ms_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"interval 0\.5s"):
        AvailabilityProber([ProbeTarget("app", "http://127.0.0.1:1/")], interval_s=0.5)
