"""The reference stack's sample app, run as a real process on 127.0.0.1 and spoken to over real
HTTP: health, failure, metrics, persisted state across a restart, request logs, SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import requests

from homelab_acceptance.waiting import Observation, wait_for

APP = Path(__file__).parents[2] / "stack" / "images" / "sample-app" / "sample_app.py"
REQUEST_LOG_KEYS = {"ts", "level", "msg", "method", "path", "status", "duration_ms", "request_id"}
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")


class RunningApp:
    """The app as a process of its own, with the JSON lines it has written to stdout so far."""

    def __init__(self, process: subprocess.Popen[str], lines: list[dict[str, Any]]) -> None:
        self.process = process
        self.lines = lines
        self.started = self.log_line(lambda line: line["msg"] == "started", "the started line")
        self.base_url = f"http://127.0.0.1:{self.started['port']}"

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(self.base_url + path, timeout=5, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.post(self.base_url + path, timeout=5, **kwargs)

    def log_line(self, matches: Callable[[dict[str, Any]], bool], awaiting: str) -> dict[str, Any]:
        """The first stdout line `matches` accepts, waited for (lines are flushed as written)."""
        found: list[dict[str, Any]] = []

        def look() -> Observation:
            found[:] = [line for line in list(self.lines) if matches(line)]
            return Observation(bool(found), f"{len(self.lines)} lines, none matching")

        wait_for(look, awaiting=awaiting, timeout_s=10)
        return found[0]

    def request_log(self, request_id: str) -> dict[str, Any]:
        return self.log_line(
            lambda line: line.get("request_id") == request_id, f"request {request_id}'s log line"
        )

    def terminate(self) -> tuple[int, float]:
        """SIGTERM; the exit code and how long the process took to end."""
        began = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=5)
        return code, time.monotonic() - began


@contextmanager
def running_app(data_dir: Path) -> Iterator[RunningApp]:
    """The app on a free loopback port (PORT=0: it names the port in its started line)."""
    process = subprocess.Popen(
        [sys.executable, str(APP)],
        env={**os.environ, "PORT": "0", "DATA_DIR": str(data_dir)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines: list[dict[str, Any]] = []
    reader = threading.Thread(target=_collect_json_lines, args=(process.stdout, lines))
    reader.start()
    try:
        yield RunningApp(process, lines)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        reader.join(timeout=5)
        process.stdout.close()


def _collect_json_lines(stream: IO[str], lines: list[dict[str, Any]]) -> None:
    for text in stream:
        lines.append(json.loads(text))


def metric_samples(exposition: str) -> dict[str, float]:
    """Samples by name and labels, checked to follow the 0.0.4 text format: every sample's
    family declared by a HELP and a TYPE line before it, each family's samples together."""
    declared: dict[str, set[str]] = {}
    samples: dict[str, float] = {}
    finished: set[str] = set()
    current = ""
    for line in exposition.splitlines():
        if line.startswith("# "):
            _, kind, family, *_ = line.split(" ", 3)
            declared.setdefault(family, set()).add(kind)
            continue
        match = SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        family = match.group(1)
        assert declared.get(family) == {"HELP", "TYPE"}, f"{family}: HELP or TYPE missing"
        if family != current:
            assert family not in finished, f"{family}: samples not together"
            finished.add(current)
            current = family
        samples[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return samples


def test_the_started_line_names_the_port_and_the_state(tmp_path: Path) -> None:
    with running_app(tmp_path) as app:
        assert app.started["level"] == "info"
        assert app.started["port"] > 0
        assert app.started["boot_count"] == 1
        assert app.get("/healthz").status_code == 200


def test_healthz_answers_ok_and_logs_one_json_line_with_the_callers_request_id(
    tmp_path: Path,
) -> None:
    with running_app(tmp_path) as app:
        reply = app.get("/healthz", headers={"X-Request-Id": "probe-7"})
        assert (reply.status_code, reply.text) == (200, "ok")
        assert reply.headers["X-Request-Id"] == "probe-7"
        line = app.request_log("probe-7")
        assert set(line) == REQUEST_LOG_KEYS
        assert (line["level"], line["msg"], line["method"], line["path"], line["status"]) == (
            "info",
            "request",
            "GET",
            "/healthz",
            200,
        )
        assert isinstance(line["duration_ms"], float)
        assert line["duration_ms"] >= 0
        logged_at = datetime.fromisoformat(line["ts"])
        assert logged_at.utcoffset() == UTC.utcoffset(None)
        assert abs((datetime.now(UTC) - logged_at).total_seconds()) < 30

        generated = app.get("/healthz").headers["X-Request-Id"]
        assert len(generated) >= 16
        assert app.request_log(generated)["path"] == "/healthz"


def test_fail_answers_500_and_logs_it(tmp_path: Path) -> None:
    with running_app(tmp_path) as app:
        reply = app.get("/fail", headers={"X-Request-Id": "fail-1"})
        assert reply.status_code == 500
        assert app.request_log("fail-1")["status"] == 500


def test_metrics_count_requests_by_path_and_state_writes_in_the_text_format(
    tmp_path: Path,
) -> None:
    with running_app(tmp_path) as app:
        app.get("/healthz")
        app.get("/healthz")
        app.get("/fail")
        app.get("/no/such/page")
        app.post("/state", data={"note": "counted"})
        reply = app.get("/metrics")
        assert reply.status_code == 200
        assert reply.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        assert "# TYPE sample_app_requests_total counter" in reply.text
        assert "# TYPE sample_app_ticks_total counter" in reply.text
        assert "# TYPE sample_app_state_writes_total counter" in reply.text
        samples = metric_samples(reply.text)
        assert samples['sample_app_requests_total{path="/healthz"}'] == 2
        assert samples['sample_app_requests_total{path="/fail"}'] == 1
        assert samples['sample_app_requests_total{path="/state"}'] == 1
        assert samples['sample_app_requests_total{path="other"}'] == 1
        assert samples["sample_app_state_writes_total"] == 1
        assert "sample_app_ticks_total" in samples


def test_ticks_move_on_their_own(tmp_path: Path) -> None:
    def ticks(app: RunningApp) -> float:
        return metric_samples(app.get("/metrics").text)["sample_app_ticks_total"]

    with running_app(tmp_path) as app:
        first = ticks(app)

        def look() -> Observation:
            now = ticks(app)
            return Observation(now > first, f"ticks {now} (first {first})")

        wait_for(look, awaiting="sample_app_ticks_total to move", timeout_s=5)


def test_notes_are_stored_by_form_or_json_and_the_file_is_replaced_whole(
    tmp_path: Path,
) -> None:
    state_file = tmp_path / "state.json"
    with running_app(tmp_path) as app:
        assert app.get("/state").json() == {"boot_count": 1, "writes": 0, "last_note": ""}
        inode_at_boot = state_file.stat().st_ino

        form = app.post("/state", data={"note": "hello homelab"})
        assert form.json() == {"boot_count": 1, "writes": 1, "last_note": "hello homelab"}
        # A file renamed over the old one has another inode (the old one is still in use while
        # the new one is written); a rewrite in place would keep it.
        assert state_file.stat().st_ino != inode_at_boot
        as_json = app.post("/state", json={"note": "second"})
        assert as_json.status_code == 200

        expected = {"boot_count": 1, "writes": 2, "last_note": "second"}
        assert app.get("/state").json() == expected
        assert json.loads(state_file.read_text()) == expected
        assert [path.name for path in tmp_path.iterdir()] == ["state.json"]


def test_a_post_without_a_note_is_refused_and_stores_nothing(tmp_path: Path) -> None:
    with running_app(tmp_path) as app:
        assert app.post("/state", data={"other": "x"}).status_code == 400
        assert app.post("/state", json=["note"]).status_code == 400
        broken = app.post("/state", data=b"{not json", headers={"Content-Type": "application/json"})
        assert broken.status_code == 400
        assert app.post("/healthz", data={"note": "x"}).status_code == 405
        assert app.get("/state").json()["writes"] == 0


def test_sigterm_stops_it_promptly_and_the_state_survives_a_restart(tmp_path: Path) -> None:
    with running_app(tmp_path) as app:
        app.post("/state", data={"note": "before restart"})
        code, took_s = app.terminate()
        assert code == 0
        assert took_s < 2
    with running_app(tmp_path) as again:
        assert again.started["boot_count"] == 2
        assert again.get("/state").json() == {
            "boot_count": 2,
            "writes": 1,
            "last_note": "before restart",
        }
