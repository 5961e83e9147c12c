"""Waiting on a condition with a deadline: the only way the harness synchronises.

A wait that goes on says so: with a heartbeat installed (`heartbeats`, `set_heartbeat`; the
pytest plugin installs one, except under -q), every `wait_for` that has waited longer than the
heartbeat's interval tells it, once per interval, what it awaits and what it last saw. Without
one (library use) waiting is silent."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import requests
import urllib3
from docker.errors import DockerException
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import DynamicApiError

from homelab_acceptance.errors import HomelabAcceptanceError, WaitHopeless, WaitTimeout

log = logging.getLogger(__name__)

#: How long a wait goes on before it says so, and how often after that.
HEARTBEAT_S = 10.0

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
    """What one look at the awaited condition found. `hopeless`: what it saw cannot turn
    into the condition however long one waits (an image that is never pulled, a container
    crash-looping): the wait gives up at once rather than at its deadline."""

    satisfied: bool
    seen: str
    hopeless: bool = False


@dataclass(frozen=True)
class Heartbeat:
    """Where a long wait says it is still waiting (one line per call), and how often."""

    sink: Callable[[str], None]
    every_s: float = HEARTBEAT_S


_heartbeat: Heartbeat | None = None
_heartbeat_lock = threading.Lock()


def set_heartbeat(heartbeat: Heartbeat | None) -> Heartbeat | None:
    """Install `heartbeat` for every wait of the process, in any thread (None: waits are
    silent); returns the one it replaces, to be put back with this same call."""
    global _heartbeat  # one heartbeat per process, by design
    with _heartbeat_lock:
        previous, _heartbeat = _heartbeat, heartbeat
    return previous


@contextmanager
def heartbeats(sink: Callable[[str], None] | None, every_s: float = HEARTBEAT_S) -> Iterator[None]:
    """Within the block, a wait longer than `every_s` tells `sink` so once per `every_s`
    (None: silent within the block); the heartbeat before it is back after it."""
    previous = set_heartbeat(None if sink is None else Heartbeat(sink, every_s))
    try:
        yield
    finally:
        set_heartbeat(previous)


def wait_for(
    look: Callable[[], Observation],
    *,
    awaiting: str,
    timeout_s: float,
    poll_s: float = 0.2,
    heartbeat: bool = True,
) -> Observation:
    """Call `look` until it is satisfied, or raise WaitTimeout naming what was awaited and
    what was last seen. A TRANSIENT exception from `look` counts as an unsatisfied look (the
    thing may simply not answer yet) and its text becomes what was last seen. A hopeless look
    raises WaitHopeless at once.

    While it waits longer than the installed heartbeat's interval, it tells the heartbeat
    what it awaits and what it last saw, once per interval; `heartbeat=False` keeps a wait
    that is itself a long measurement quiet."""
    started = time.monotonic()
    deadline = started + timeout_s
    last_beat = started
    last_seen = "nothing yet"
    while True:
        try:
            observation = look()
        except TRANSIENT as error:
            observation = Observation(False, f"{type(error).__name__}: {error}")
        if observation.satisfied:
            return observation
        last_seen = observation.seen
        now = time.monotonic()
        if observation.hopeless:
            raise WaitHopeless(
                f"gave up waiting for {awaiting} after {now - started:.0f}s of "
                f"{timeout_s:.0f}s: {_one_line(last_seen)}",
                seen=last_seen,
                waited_s=now - started,
            )
        if now >= deadline:
            raise WaitTimeout(
                f"timed out after {timeout_s:.0f}s waiting for {awaiting}; last seen: "
                f"{_one_line(last_seen)}"
            )
        beat = _heartbeat if heartbeat else None
        if beat is not None and now - last_beat >= beat.every_s:
            last_beat = now
            _tell(
                beat,
                f"still waiting for {awaiting} ({now - started:.0f}s of {timeout_s:.0f}s); "
                f"last seen: {_one_line(last_seen, 200)}",
            )
        time.sleep(poll_s)


def _tell(beat: Heartbeat, line: str) -> None:
    """A heartbeat that fails (a closed terminal, a bug in the sink) never ends the wait."""
    try:
        beat.sink(line)
    except Exception:  # whatever the sink raises, the wait goes on
        log.debug("heartbeat sink failed", exc_info=True)


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
