from __future__ import annotations

import itertools

import pytest

from homelab_acceptance.errors import WaitTimeout
from homelab_acceptance.waiting import Observation, wait_for


def test_returns_the_first_satisfied_observation() -> None:
    looks = itertools.count()

    def look() -> Observation:
        n = next(looks)
        return Observation(n >= 2, f"look {n}")

    assert wait_for(look, awaiting="third look", timeout_s=5, poll_s=0.01).seen == "look 2"


def test_timeout_names_what_was_awaited_and_what_was_last_seen() -> None:
    with pytest.raises(WaitTimeout) as raised:
        wait_for(
            lambda: Observation(False, "phase Pending"),
            awaiting="pod x",
            timeout_s=0.05,
            poll_s=0.01,
        )
    message = str(raised.value)
    assert "waiting for pod x" in message
    assert "last seen: phase Pending" in message
    assert "\n" not in message


def test_a_bug_while_looking_propagates_at_once() -> None:
    def look() -> Observation:
        raise KeyError("namespace")

    with pytest.raises(KeyError):
        wait_for(look, awaiting="the API", timeout_s=30, poll_s=0.01)


def test_an_exception_while_looking_is_not_yet_and_becomes_last_seen() -> None:
    def look() -> Observation:
        raise ConnectionRefusedError("connection refused")

    with pytest.raises(WaitTimeout, match="ConnectionRefusedError: connection refused"):
        wait_for(look, awaiting="the API", timeout_s=0.05, poll_s=0.01)
