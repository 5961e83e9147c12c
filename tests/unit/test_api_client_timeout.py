"""A client made with `request_timeout_s` gives up on an API server that accepted the
connection and never answers, instead of waiting for ever (what forensics relies on)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import urllib3
from kubernetes import client as k8s

from homelab_acceptance.kube.client import api_client_for


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A loopback port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def _kubeconfig(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        f"clusters: [{{name: c, cluster: {{server: 'https://127.0.0.1:{port}', "
        "insecure-skip-tls-verify: true}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: c, context: {cluster: c, user: u}}]\n"
    )
    return path


def test_a_call_to_a_silent_api_server_times_out(tmp_path: Path, silent_server: int) -> None:
    api = api_client_for(_kubeconfig(tmp_path, silent_server), retries=0, request_timeout_s=0.5)
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            k8s.CoreV1Api(api).list_namespace()
        except BaseException as error:  # what the call ended with is the test's subject
            outcome.append(error)

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    caller.join(60)  # a guard against a hang, not a figure: 0.5 s is the timeout under test
    assert not caller.is_alive(), "the call to a silent API server is still waiting"
    assert len(outcome) == 1
    assert isinstance(outcome[0], urllib3.exceptions.HTTPError), repr(outcome[0])
    assert "timed out" in str(outcome[0]).lower(), str(outcome[0])
