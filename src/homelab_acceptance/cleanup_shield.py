"""Cleanup that a second Ctrl-C must not cut short. Removing the cluster takes a few seconds;
an impatient second Ctrl-C (or a CI runner's SIGTERM after its SIGINT) used to abort it with a
traceback and leave the node container behind until the next run."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

SHIELDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_stopping = threading.Event()


def mark_run_stopping(stopping: bool = True) -> None:
    """The run was interrupted and is on its way out (pytest_keyboard_interrupt); False when
    it has ended (an in-process pytester run must not leave the next one marked)."""
    if stopping:
        _stopping.set()
    else:
        _stopping.clear()


def run_is_stopping() -> bool:
    """Whether cleanup should skip what only waits (a namespace's termination, say): the
    cluster goes anyway, or Kubernetes finishes the deletion it was asked for."""
    return _stopping.is_set()


def hold_signals(what: str, show: Callable[[str], None]) -> dict[int, Any]:
    """From now on, SIGINT, SIGTERM and SIGHUP only announce (once) that `what` finishes
    first; only SIGKILL cuts it short. Returns the handlers they had, for `release_signals`.
    Outside the main thread nothing changes (handlers can only be set from there)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    announced: list[int] = []

    def hold(signum: int, _frame: Any) -> None:
        if not announced:
            show(f"{what}: finishing first (a few seconds; SIGKILL leaves it to the next run)")
        announced.append(signum)

    return {signum: signal.signal(signum, hold) for signum in SHIELDED}


def release_signals(previous: dict[int, Any]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)


@contextmanager
def signals_held(what: str, show: Callable[[str], None]) -> Iterator[None]:
    """Run the block to its end whatever signals arrive meanwhile. For cleanup on the way
    out: the run ends right after it, as the signal asked (a KeyboardInterrupt raised here, in
    pytest's own teardown, would escape as a traceback)."""
    previous = hold_signals(what, show)
    try:
        yield
    finally:
        release_signals(previous)
