"""What the plugin's modules share: the session's stash keys, live progress output (and the
heartbeat of long waits), and turning a harness error into a one-line failure."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import pytest

from homelab_acceptance.errors import HomelabAcceptanceError
from homelab_acceptance.run_identity import RunIdentity
from homelab_acceptance.spec import Stack
from homelab_acceptance.waiting import HEARTBEAT_S, Heartbeat

run_identity_key = pytest.StashKey[RunIdentity]()
stack_key = pytest.StashKey[Stack]()


#: The name the report plugin registers itself under.
REPORT_PLUGIN = "homelab-acceptance-report"


def progress_printer(config: pytest.Config, *, chatter: bool = False) -> Callable[[str], None]:
    """Print progress lines live, past pytest's output capture: a cold node image build takes
    minutes and must not look like a hang. `chatter`: lines that only show the run is alive
    (the cluster starting, each image import, a long wait's heartbeat), which -q silences;
    what a user must act on (a kept cluster, a failed cleanup) is not chatter.

    The terminal is looked up at each line, so a printer made before pytest's terminal
    reporter exists (at configure time) still reaches it; lines from several threads (a
    heartbeat of a wait in a thread) are written one at a time."""
    if chatter and config.get_verbosity() < 0:
        return _silent

    def show(line: str) -> None:
        plugins = config.pluginmanager
        reporter: Any = plugins.get_plugin("terminalreporter")
        capture: Any = plugins.get_plugin("capturemanager")
        # The report's redactor knows the run's secrets (kubeconfig credentials, secret
        # values): a progress line is a log line, so it goes through it too.
        report: Any = plugins.get_plugin(REPORT_PLUGIN)
        if report is not None:
            line = report.redactor.redact_text(line)
        with _writing:
            if reporter is None or capture is None:
                print(line)
                return
            with capture.global_and_fixture_disabled():
                # After a test's "." pytest's own newline check passes (it only knows the
                # file name it wrote), so the line would be glued to the dots.
                if getattr(reporter._tw, "width_of_current_line", 0):
                    reporter.write("\n")
                reporter.write_line(line)

    return show


_writing = threading.Lock()


def _silent(_line: str) -> None:
    """The printer of chatter under -q."""


def fail(error: HomelabAcceptanceError) -> None:
    """Fail the current test or fixture with the error's one line, no traceback."""
    __tracebackhide__ = True
    pytest.fail(str(error), pytrace=False)


#: Seconds a wait goes on before it says so, and between its heartbeats (default 10).
HEARTBEAT_ENV = "HOMELAB_ACCEPTANCE_HEARTBEAT_S"


def run_heartbeat(config: pytest.Config) -> Heartbeat | None:
    """The heartbeat this run's waits tell: chatter, so none under -q. Its interval is
    HOMELAB_ACCEPTANCE_HEARTBEAT_S when set (a usage error when not a positive number)."""
    if config.get_verbosity() < 0:
        return None
    text = os.environ.get(HEARTBEAT_ENV, "").strip()
    try:
        every_s = float(text) if text else HEARTBEAT_S
    except ValueError:
        every_s = 0.0
    if not every_s > 0:
        raise pytest.UsageError(f"{HEARTBEAT_ENV}={text!r}: expected seconds, a positive number")
    return Heartbeat(progress_printer(config, chatter=True), every_s)
