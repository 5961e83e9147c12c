"""Kubernetes service discovery for a Prometheus built without it (Debian's 2.42), over
Prometheus's HTTP SD protocol: a sidecar on loopback that lists nodes, or Endpoints with their
Services, from the API server on every request and answers with the `__meta_kubernetes_*`
labels Prometheus's own `kubernetes_sd_configs` would give, so relabel rules written for one
work unchanged with the other (Python 3.11 standard library only).

Environment: PORT (default 9101; 0 takes any free port, named in the "started" line) and
SERVICEACCOUNT_DIR (default /var/run/secrets/kubernetes.io/serviceaccount). The API server is
https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT, verified with the account's ca.crt.
TEST_ONLY_PLAIN_HTTP_API_URL replaces it with a plain-HTTP URL and no TLS at all: it exists
for the unit tests' fake API server and must never be set in a cluster.

`kube_http_sd.py --probe` is the container's readiness check: it asks the running server's
/readyz (one API call) and prints the reason when that fails.
"""

from __future__ import annotations

import json
import os
import re
import signal
import ssl
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import parse_qs, urlsplit

DEFAULT_PORT = 9101
DEFAULT_SERVICEACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
#: Below Prometheus's refresh interval (5 s in the stack): a slow API fails this refresh
#: rather than piling requests up behind it.
API_TIMEOUT_S = 4.0
META = "__meta_kubernetes_"
#: Prometheus's choice of a node's scrape address (discovery/kubernetes/node.go).
NODE_ADDRESS_PRIORITY = ("InternalIP", "ExternalIP", "LegacyHostIP", "Hostname")
INVALID_LABEL_CHARACTERS = re.compile(r"[^a-zA-Z0-9_]")

TargetGroup = dict[str, Any]
Json = dict[str, Any]


class DiscoveryError(Exception):
    """The API server could not be read; the message is one line and never holds the token."""


def sanitize(name: str) -> str:
    """A label name as Prometheus's strutil.SanitizeLabelName makes it."""
    return INVALID_LABEL_CHARACTERS.sub("_", name)


def metadata_labels(kind: str, metadata: Json) -> dict[str, str]:
    """`<kind>_label_*`, `<kind>_labelpresent_*`, `<kind>_annotation_*` and
    `<kind>_annotationpresent_*` for an object's labels and annotations."""
    labels: dict[str, str] = {}
    for field, prefix in (("labels", "label"), ("annotations", "annotation")):
        for key, value in (metadata.get(field) or {}).items():
            name = sanitize(key)
            labels[f"{META}{kind}_{prefix}_{name}"] = str(value)
            labels[f"{META}{kind}_{prefix}present_{name}"] = "true"
    return labels


def host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def node_groups(nodes: Json) -> list[TargetGroup]:
    """One group per node with an address: its kubelet, named by the node (`instance`)."""
    groups = []
    for node in nodes.get("items") or []:
        metadata, status = node["metadata"], node.get("status") or {}
        by_type: dict[str, list[str]] = {}
        for address in status.get("addresses") or []:
            by_type.setdefault(address["type"], []).append(address["address"])
        chosen = next((by_type[t][0] for t in NODE_ADDRESS_PRIORITY if t in by_type), None)
        if chosen is None:
            continue  # Prometheus skips such a node too ("No node address found").
        kubelet = status.get("daemonEndpoints", {}).get("kubeletEndpoint", {}).get("Port", 0)
        labels = {
            f"{META}node_name": metadata["name"],
            "instance": metadata["name"],
            **metadata_labels("node", metadata),
            **{f"{META}node_address_{sanitize(t)}": found[0] for t, found in by_type.items()},
        }
        groups.append({"targets": [host_port(chosen, kubelet)], "labels": labels})
    return groups


def service_labels(service: Json) -> dict[str, str]:
    metadata = service["metadata"]
    return {
        f"{META}namespace": metadata["namespace"],
        f"{META}service_name": metadata["name"],
        **metadata_labels("service", metadata),
    }


def endpoints_groups(endpoints: Json, services: Json) -> list[TargetGroup]:
    """One group per address and port of every Endpoints object, ready or not (labelled
    `endpoint_ready`, as Prometheus does); its Service's labels when the Service exists."""
    by_name = {
        (s["metadata"]["namespace"], s["metadata"]["name"]): s for s in services.get("items") or []
    }
    groups = []
    for endpoint in endpoints.get("items") or []:
        metadata = endpoint["metadata"]
        shared = {
            f"{META}namespace": metadata["namespace"],
            f"{META}endpoints_name": metadata["name"],
            # Prometheus gives an Endpoints object's labels, not its annotations.
            **metadata_labels("endpoints", {"labels": metadata.get("labels")}),
        }
        service = by_name.get((metadata["namespace"], metadata["name"]))
        if service is not None:
            shared.update(service_labels(service))
        for subset in endpoint.get("subsets") or []:
            for port in subset.get("ports") or []:
                for ready, key in (("true", "addresses"), ("false", "notReadyAddresses")):
                    for address in subset.get(key) or []:
                        target = host_port(address["ip"], port["port"])
                        labels = {**shared, **address_labels(address, port, ready)}
                        groups.append({"targets": [target], "labels": labels})
    return groups


def address_labels(address: Json, port: Json, ready: str) -> dict[str, str]:
    labels = {
        f"{META}endpoint_port_name": port.get("name", ""),
        f"{META}endpoint_port_protocol": port.get("protocol", ""),
        f"{META}endpoint_ready": ready,
    }
    if address.get("hostname"):
        labels[f"{META}endpoint_hostname"] = address["hostname"]
    if address.get("nodeName"):
        labels[f"{META}endpoint_node_name"] = address["nodeName"]
    reference = address.get("targetRef")
    if reference:
        labels[f"{META}endpoint_address_target_kind"] = reference.get("kind", "")
        labels[f"{META}endpoint_address_target_name"] = reference.get("name", "")
        if reference.get("kind") == "Pod":
            labels[f"{META}pod_name"] = reference.get("name", "")
            if address.get("nodeName"):
                labels[f"{META}pod_node_name"] = address["nodeName"]
    return labels


@dataclass(frozen=True)
class KubeApi:
    """Reads of the API server as the pod's ServiceAccount. The token is read on every call:
    the kubelet rotates the projected file, and nothing is kept between requests."""

    base_url: str
    token_file: Path
    #: The cluster CA that verifies the API server; None only for TEST_ONLY_PLAIN_HTTP_API_URL.
    ca_file: Path | None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> KubeApi:
        account = Path(environ.get("SERVICEACCOUNT_DIR", DEFAULT_SERVICEACCOUNT_DIR))
        plain = environ.get("TEST_ONLY_PLAIN_HTTP_API_URL")
        if plain:
            return cls(plain.rstrip("/"), account / "token", None)
        host = environ.get("KUBERNETES_SERVICE_HOST", "kubernetes.default.svc")
        port = int(environ.get("KUBERNETES_SERVICE_PORT", "443"))
        return cls(f"https://{host_port(host, port)}", account / "token", account / "ca.crt")

    def get(self, path: str) -> Json:
        request = urllib.request.Request(
            self.base_url + path,
            headers={"Authorization": f"Bearer {self._token()}", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(
                request, timeout=API_TIMEOUT_S, context=self._tls_context()
            ) as reply:
                document: Json = json.load(reply)
                return document
        except urllib.error.HTTPError as error:
            raise DiscoveryError(
                f"GET {path} from {self.base_url}: HTTP {error.code} {error.reason}"
                f"{_status_message(error)}"
            ) from None
        except (OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            raise DiscoveryError(
                f"GET {path} from {self.base_url}: {_one_line(str(reason))}"
            ) from None

    def _token(self) -> str:
        try:
            return self.token_file.read_text().strip()
        except OSError as error:
            raise DiscoveryError(
                f"no ServiceAccount token at {self.token_file}: {error.strerror}"
            ) from None

    def _tls_context(self) -> ssl.SSLContext | None:
        if self.ca_file is None:
            return None
        try:
            return ssl.create_default_context(cafile=str(self.ca_file))
        except OSError as error:
            raise DiscoveryError(f"no cluster CA at {self.ca_file}: {error.strerror}") from None


def readiness(api: KubeApi) -> str:
    """Ready when the API server answers this account's smallest useful question."""
    api.get("/api/v1/nodes?limit=1")
    return "ok"


def _status_message(error: urllib.error.HTTPError) -> str:
    """The `message` of the API server's Status body (e.g. what RBAC forbids), if any."""
    try:
        message = json.loads(error.read(4096)).get("message")
    except (ValueError, AttributeError, OSError):
        return ""
    return f": {_one_line(str(message))}" if message else ""


def _one_line(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


ROLES: dict[str, Callable[[KubeApi], list[TargetGroup]]] = {
    "node": lambda api: node_groups(api.get("/api/v1/nodes")),
    "endpoints": lambda api: endpoints_groups(
        api.get("/api/v1/endpoints"), api.get("/api/v1/services")
    ),
}


def log(msg: str, level: str = "info", **fields: Any) -> None:
    """One JSON line on stdout, flushed at once so that `kubectl logs` sees it live."""
    line = {"ts": datetime.now(UTC).isoformat(), "level": level, "msg": msg, **fields}
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


class DiscoveryHandler(BaseHTTPRequestHandler):
    """GET /targets?role=node|endpoints (HTTP SD), /readyz (the API answers), /healthz."""

    def __init__(self, *args: Any, api: KubeApi) -> None:
        self.api = api  # set before the base class's __init__, which handles the request
        super().__init__(*args)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/healthz":
            self._reply(HTTPStatus.OK, "text/plain", b"ok")
        elif url.path == "/readyz":
            self._discover(lambda: readiness(self.api), "readiness")
        elif url.path == "/targets":
            role = parse_qs(url.query).get("role", [""])[0]
            if role not in ROLES:
                known = ", ".join(ROLES)
                message = f"unknown role {role!r}: ask /targets?role= one of {known}"
                self._reply(HTTPStatus.BAD_REQUEST, "text/plain", message.encode())
                return
            self._discover(lambda: ROLES[role](self.api), f"role {role}")
        else:
            self._reply(HTTPStatus.NOT_FOUND, "text/plain", b"not found: GET /targets?role=...")

    def _discover(self, look: Callable[[], object], what: str) -> None:
        try:
            found = look()
        except DiscoveryError as error:
            # Prometheus keeps its last targets after a failed refresh; the reason is logged.
            log("discovery failed", level="error", what=what, error=str(error))
            self._reply(HTTPStatus.SERVICE_UNAVAILABLE, "text/plain", str(error).encode())
            return
        if isinstance(found, str):
            self._reply(HTTPStatus.OK, "text/plain", found.encode())
        else:
            self._reply(HTTPStatus.OK, "application/json", json.dumps(found).encode())

    def _reply(self, status: int, content_type: str, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: a refresh every few seconds per role is not news; failures are logged."""


def probe(port: int) -> int:
    """The readiness check: 0 when /readyz answers 200, else 1 with the reason on stdout."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as reply:
            reply.read()
        return 0
    except urllib.error.HTTPError as error:
        print(f"not ready: {error.read(300).decode(errors='replace')}")
    except OSError as error:
        print(f"not ready: nothing answers on 127.0.0.1:{port}: {error}")
    return 1


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main() -> None:
    port = int(os.environ.get("PORT", str(DEFAULT_PORT)))
    if sys.argv[1:] == ["--probe"]:
        raise SystemExit(probe(port))
    api = KubeApi.from_environment(os.environ)
    # Loopback only: the sidecar serves the Prometheus beside it and nobody else.
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(DiscoveryHandler, api=api))
    server.daemon_threads = True
    # SIGTERM ends serve_forever at once (exit 0): each answer is one quick API read.
    signal.signal(signal.SIGTERM, _stop)
    log("started", port=server.server_address[1], api=api.base_url)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        log("stopped")


if __name__ == "__main__":
    main()
