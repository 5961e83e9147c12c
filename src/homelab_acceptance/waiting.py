"""Waiting on a condition with a deadline: the only way the harness synchronises."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import requests
import urllib3
from docker.errors import DockerException
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import DynamicApiError

from homelab_acceptance.errors import HomelabAcceptanceError, WaitTimeout

#: Failures that mean "not yet" while waiting: the thing does not answer, or answers with an
#: error. Anything else (KeyError, TypeError, …) is a bug and propagates at once.
TRANSIENT: tuple[type[BaseException], ...] = (
    OSError,
    ApiException,
    DynamicApiError,
    urllib3.exceptions.HTTPError,
    requests.RequestException,
    DockerException,
    HomelabAcceptanceError,
)


@dataclass(frozen=True)
class Observation:
    """What one look at the awaited condition found."""

    satisfied: bool
    seen: str


def wait_for(
    look: Callable[[], Observation],
    *,
    awaiting: str,
    timeout_s: float,
    poll_s: float = 0.2,
) -> Observation:
    """Call `look` until it is satisfied, or raise WaitTimeout naming what was awaited and
    what was last seen. A TRANSIENT exception from `look` counts as an unsatisfied look (the
    thing may simply not answer yet) and its text becomes what was last seen."""
    deadline = time.monotonic() + timeout_s
    last_seen = "nothing yet"
    while True:
        try:
            observation = look()
        except TRANSIENT as error:
            observation = Observation(False, f"{type(error).__name__}: {error}")
        if observation.satisfied:
            return observation
        last_seen = observation.seen
        if time.monotonic() >= deadline:
            raise WaitTimeout(
                f"timed out after {timeout_s:.0f}s waiting for {awaiting}; last seen: "
                f"{_one_line(last_seen)}"
            )
        time.sleep(poll_s)


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
