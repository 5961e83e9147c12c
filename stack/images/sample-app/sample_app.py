"""The reference stack's sample workload: an HTTP app whose health, metrics, persisted state and
logs give the acceptance suites something real to probe (Python 3.11 standard library only).

Environment: PORT (default 8080; 0 takes any free port, named in the "started" line) and
DATA_DIR (default /data), where state.json survives restarts.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import parse_qs, urlsplit

#: Request paths get their own label value; any other path counts as "other", so a scanner
#: cannot make the metric's cardinality grow without bound.
ROUTES = ("/healthz", "/metrics", "/state", "/fail")
EXPOSITION_TYPE = "text/plain; version=0.0.4; charset=utf-8"

Response = tuple[int, str, bytes]


class BadNote(ValueError):
    """A POST /state body that holds no note."""


class StateFile:
    """{"boot_count", "writes", "last_note"} in DATA_DIR/state.json, replaced atomically (a
    temp file renamed over it) so that a kill mid-write leaves the old state, never half a file.
    """

    def __init__(self, data_dir: Path) -> None:
        self._path = data_dir / "state.json"
        self._lock = threading.Lock()
        self._state: dict[str, Any] = {"boot_count": 0, "writes": 0, "last_note": ""}

    def boot(self) -> None:
        with self._lock:
            if self._path.exists():
                self._state.update(json.loads(self._path.read_text()))
            self._state["boot_count"] += 1
            self._save()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._state)

    def store_note(self, note: str) -> dict[str, Any]:
        with self._lock:
            self._state["writes"] += 1
            self._state["last_note"] = note
            self._save()
            return dict(self._state)

    def _save(self) -> None:
        handle, temp = tempfile.mkstemp(dir=self._path.parent, prefix=".state-", suffix=".tmp")
        with os.fdopen(handle, "w") as out:
            json.dump(self._state, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, self._path)


class Metrics:
    """The app's counters, rendered in Prometheus text exposition format 0.0.4."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._state_writes = 0
        self._started = time.monotonic()

    def count_request(self, path: str) -> None:
        with self._lock:
            self._requests[path if path in ROUTES else "other"] += 1

    def count_state_write(self) -> None:
        with self._lock:
            self._state_writes += 1

    def render(self) -> str:
        # Ticks are whole seconds since start: a counter that moves by one every second with no
        # traffic at all, and needs no thread of its own.
        ticks = int(time.monotonic() - self._started)
        with self._lock:
            requests = sorted(self._requests.items())
            writes = self._state_writes
        lines = [
            "# HELP sample_app_requests_total Requests served, by path.",
            "# TYPE sample_app_requests_total counter",
            *(f'sample_app_requests_total{{path="{path}"}} {n}' for path, n in requests),
            "# HELP sample_app_ticks_total Seconds since start: moves on its own.",
            "# TYPE sample_app_ticks_total counter",
            f"sample_app_ticks_total {ticks}",
            "# HELP sample_app_state_writes_total Notes stored through POST /state.",
            "# TYPE sample_app_state_writes_total counter",
            f"sample_app_state_writes_total {writes}",
        ]
        return "\n".join(lines) + "\n"


def log(msg: str, **fields: Any) -> None:
    """One JSON line on stdout, flushed at once so that `kubectl logs` sees it live."""
    line = {"ts": datetime.now(UTC).isoformat(), "level": "info", "msg": msg, **fields}
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def parse_note(body: bytes, content_type: str) -> str:
    """The note from a form body (note=<text>) or a JSON one ({"note": ...})."""
    try:
        if content_type.partition(";")[0].strip() == "application/json":
            note = json.loads(body).get("note")
        else:
            note = parse_qs(body.decode(), keep_blank_values=True).get("note", [None])[0]
    except (ValueError, AttributeError) as error:
        raise BadNote(f"unreadable body: {error}") from None
    if not isinstance(note, str):
        raise BadNote('no note: send note=<text> or {"note": "<text>"}')
    return note


class SampleAppHandler(BaseHTTPRequestHandler):
    """Routes one request; every request ends in one count and one log line."""

    def __init__(self, *args: Any, state: StateFile, metrics: Metrics) -> None:
        # Set before the base class's __init__, which handles the request.
        self.state = state
        self.metrics = metrics
        super().__init__(*args)

    @property
    def route(self) -> str:
        return urlsplit(self.path).path

    def do_GET(self) -> None:
        self._serve(self._get)

    def do_POST(self) -> None:
        self._serve(self._post)

    def _get(self) -> Response:
        if self.route == "/healthz":
            return HTTPStatus.OK, "text/plain", b"ok"
        if self.route == "/metrics":
            return HTTPStatus.OK, EXPOSITION_TYPE, self.metrics.render().encode()
        if self.route == "/state":
            return _json(HTTPStatus.OK, self.state.snapshot())
        if self.route == "/fail":
            return HTTPStatus.INTERNAL_SERVER_ERROR, "text/plain", b"failing, as asked"
        return HTTPStatus.NOT_FOUND, "text/plain", b"not found"

    def _post(self) -> Response:
        if self.route != "/state":
            return HTTPStatus.METHOD_NOT_ALLOWED, "text/plain", b"only POST /state"
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            note = parse_note(body, self.headers.get("Content-Type", ""))
        except BadNote as error:
            return HTTPStatus.BAD_REQUEST, "text/plain", str(error).encode()
        stored = self.state.store_note(note)
        self.metrics.count_state_write()
        return _json(HTTPStatus.OK, stored)

    def _serve(self, respond: Callable[[], Response]) -> None:
        started = time.monotonic()
        request_id = self.headers.get("X-Request-Id") or uuid.uuid4().hex
        status, content_type, payload = respond()
        # Counted before the reply leaves: a client's next scrape must already see it.
        self.metrics.count_request(self.route)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Request-Id", request_id)
        self.end_headers()
        self.wfile.write(payload)
        log(
            "request",
            method=self.command,
            path=self.path,
            status=int(status),
            duration_ms=round((time.monotonic() - started) * 1000, 3),
            request_id=request_id,
        )

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: the JSON request line replaces http.server's stderr line."""


def _json(status: int, document: dict[str, Any]) -> Response:
    return status, "application/json", json.dumps(document).encode()


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main() -> None:
    data_dir = Path(os.environ.get("DATA_DIR", "/data"))
    state = StateFile(data_dir)
    state.boot()
    handler = partial(SampleAppHandler, state=state, metrics=Metrics())
    server = ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), handler)
    server.daemon_threads = True
    # SIGTERM ends serve_forever in the main thread at once (exit 0): no request is drained,
    # which is fine for a probe target and keeps pod termination fast.
    signal.signal(signal.SIGTERM, _stop)
    log("started", port=server.server_address[1], data_dir=str(data_dir), **state.snapshot())
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
