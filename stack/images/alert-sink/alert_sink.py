"""The reference stack's notification sink: a webhook receiver Alertmanager notifies, which keeps
what it received so the acceptance checks can read it back (Python 3.11 standard library only).

POST /alerts takes an Alertmanager webhook payload (JSON); GET /notifications answers
[{"received_at": UNIX_SECONDS, "payload": PAYLOAD}, ...], oldest first, the last KEEP of them;
GET /healthz answers ok. One JSON log line per notification. Environment: PORT (default 8080).
In a homelab this is where the mail, chat or phone receiver would be: the sink stands in for
the last hop so a run can prove a page is delivered, not only that Alertmanager holds it.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections import deque
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any

#: Notifications kept; older ones are dropped (a run needs the last few minutes' worth).
KEEP = 1000
#: Larger bodies are refused: an Alertmanager payload with many alerts is a few hundred KiB.
MAX_BODY = 4 * 1024 * 1024


class Sink:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received: deque[dict[str, Any]] = deque(maxlen=KEEP)

    def add(self, payload: Any) -> None:
        with self._lock:
            self._received.append({"received_at": time.time(), "payload": payload})

    def listed(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._received)


def make_handler(sink: Sink) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/healthz":
                self._answer(HTTPStatus.OK, b"ok\n", "text/plain")
            elif self.path == "/notifications":
                self._answer(HTTPStatus.OK, json.dumps(sink.listed()).encode(), "application/json")
            else:
                self._answer(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")

        def do_POST(self) -> None:
            if self.path != "/alerts":
                self._answer(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b"too large\n", "text/plain")
                return
            try:
                payload = json.loads(self.rfile.read(length) or b"null")
            except ValueError:
                self._answer(HTTPStatus.BAD_REQUEST, b"not JSON\n", "text/plain")
                return
            sink.add(payload)
            alerts = payload.get("alerts", []) if isinstance(payload, dict) else []
            log(
                "notification",
                receiver=payload.get("receiver") if isinstance(payload, dict) else None,
                status=payload.get("status") if isinstance(payload, dict) else None,
                alerts=[a.get("labels", {}).get("alertname") for a in alerts],
            )
            self._answer(HTTPStatus.OK, b"ok\n", "text/plain")

        def _answer(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Requests are not logged line by line: the notifications are."""

    return Handler


def log(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


def main() -> None:
    port = int(os.environ.get("PORT", "8080"))
    server = ThreadingHTTPServer(("", port), make_handler(Sink()))

    def stop(signum: int, _frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    log("started", port=server.server_address[1])
    server.serve_forever()
    log("stopped")
    sys.exit(0)


if __name__ == "__main__":
    main()
