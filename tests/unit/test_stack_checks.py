"""The pure parts of the declared-expectation checks: ids, and judging an answer."""

from __future__ import annotations

from pathlib import Path

from homelab_acceptance.checks.endpoints import judge, status_in_wget_output
from homelab_acceptance.checks.expectations import expectations_of
from homelab_acceptance.spec import load_stack

REFERENCE_STACK = Path(__file__).parents[2] / "stack" / "stack.yaml"

BUSYBOX_WGET_OUTPUT = """Connecting to web:8080 (10.43.0.7:8080)
  HTTP/1.1 200 OK
  Content-Length: 3

ok
written to stdout
"""


def test_every_expectation_of_the_reference_stack_has_a_unique_readable_id() -> None:
    stack = load_stack(REFERENCE_STACK)
    ids = [
        e.id
        for kind in ("endpoint", "metric", "log", "alert")
        for e in expectations_of(stack, kind)
    ]
    assert len(ids) == len(set(ids))
    assert "sample-app/endpoint/sample-app:8080/healthz" in ids
    assert "sample-app/alert/SampleAppDown" in ids


def test_an_answer_is_judged_by_status_and_body_fragment() -> None:
    endpoint = load_stack(REFERENCE_STACK).components[0].expect.endpoints[0]  # /healthz, "ok"
    assert judge(endpoint, 200, "ok\n").satisfied
    wrong_status = judge(endpoint, 503, "ok")
    assert not wrong_status.satisfied
    assert "expected HTTP 200, got HTTP 503" in wrong_status.seen
    assert not judge(endpoint, 200, "fine").satisfied
    assert not judge(endpoint, None, "wget: can't connect").satisfied


def test_the_status_is_read_from_busybox_wget_headers() -> None:
    assert status_in_wget_output(BUSYBOX_WGET_OUTPUT) == 200
    assert status_in_wget_output("wget: can't connect to remote host") is None
