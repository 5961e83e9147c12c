"""Cleanup that a second Ctrl-C must not cut short. Removing the cluster takes a few seconds;
an impatient second Ctrl-C (or a CI runner's SIGTERM after its SIGINT) used to abort it with a
traceback and leave the node container behind until the next run."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

SHIELDED = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def signals_held(what: str, show: Callable[[str], None]) -> Iterator[None]:
    """Run the block to its end whatever SIGINT or SIGTERM arrive meanwhile; only SIGKILL cuts
    it short. For cleanup on the way out: the run ends right after it, as the signal asked (a
    KeyboardInterrupt raised here, in pytest's own teardown, would escape as a traceback)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    received: list[int] = []  # the first one is announced

    def hold(signum: int, _frame: Any) -> None:
        if not received:
            show(f"{what}: finishing first (a few seconds; SIGKILL leaves it to the next run)")
        received.append(signum)

    previous = {signum: signal.signal(signum, hold) for signum in SHIELDED}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
