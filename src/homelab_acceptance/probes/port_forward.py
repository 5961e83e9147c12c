"""A Service reached through `kubectl port-forward`, bound to 127.0.0.1 only.

The API server's service proxy (service_proxy.py) is the harness's usual way in, but it drops
the request's `Authorization` header once it has authenticated the caller with it, so a service
that wants its own credentials (Grafana's basic auth) must be reached another way."""

from __future__ import annotations

import queue
import re
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from homelab_acceptance.errors import ClusterError, ConfigurationError
from homelab_acceptance.provision.cli_tools import find_cli, last_line
from homelab_acceptance.spec import ServiceRef

FORWARDING = re.compile(r"Forwarding from 127\.0\.0\.1:(\d+) ->")


@contextmanager
def port_forward(kubeconfig: Path, service: ServiceRef, *, timeout_s: float = 30) -> Iterator[str]:
    """`http://127.0.0.1:PORT` forwarding to `service` while the context lasts."""
    kubectl = find_cli("kubectl")
    if kubectl is None:
        raise ConfigurationError(
            f"reaching {service} needs kubectl (port-forward): homelab-acceptance tools install "
            "puts it beside this Python"
        )
    process = subprocess.Popen(
        [
            kubectl, "--kubeconfig", str(kubeconfig), "--namespace", service.namespace,
            "port-forward", "--address", "127.0.0.1", f"service/{service.name}",
            f":{service.port}",
        ],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        yield f"http://127.0.0.1:{_forwarded_port(process, service, timeout_s)}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _forwarded_port(process: subprocess.Popen[str], service: ServiceRef, timeout_s: float) -> int:
    """The local port kubectl names in its first line; its reason when it ends instead."""
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
    try:
        line = lines.get(timeout=timeout_s)
    except queue.Empty:
        raise ClusterError(
            f"kubectl port-forward to {service}: no 'Forwarding from' line in {timeout_s:.0f}s"
        ) from None
    found = FORWARDING.search(line or "")
    if found is None:
        process.kill()
        reason = last_line(process.stderr.read() if process.stderr else "") or (line or "ended")
        raise ClusterError(f"kubectl port-forward to {service}: {reason}")
    return int(found.group(1))


def _pump(stream: IO[str], into: queue.Queue[str | None]) -> None:
    """Every line of `stream` into `into` (None at its end), so that reading has a deadline;
    kubectl's later lines ("Handling connection for …") are read too, so its pipe never fills."""
    for line in stream:
        into.put(line)
    into.put(None)
