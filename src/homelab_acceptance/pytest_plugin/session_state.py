"""What the plugin's modules share: the session's stash keys, live progress output, and
turning a harness error into a one-line failure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from homelab_acceptance.errors import HomelabAcceptanceError
from homelab_acceptance.run_identity import RunIdentity
from homelab_acceptance.spec import Stack

run_identity_key = pytest.StashKey[RunIdentity]()
stack_key = pytest.StashKey[Stack]()


#: The name the report plugin registers itself under.
REPORT_PLUGIN = "homelab-acceptance-report"


def progress_printer(config: pytest.Config) -> Callable[[str], None]:
    """Print progress lines live, past pytest's output capture: a cold node image build takes
    minutes and must not look like a hang."""
    reporter: Any = config.pluginmanager.get_plugin("terminalreporter")
    capture: Any = config.pluginmanager.get_plugin("capturemanager")
    # The report's redactor knows the run's secrets (kubeconfig credentials, secret values):
    # a progress line is a log line, so it goes through it too.
    report: Any = config.pluginmanager.get_plugin(REPORT_PLUGIN)

    def show(line: str) -> None:
        if report is not None:
            line = report.redactor.redact_text(line)
        if reporter is None or capture is None:
            print(line)
            return
        with capture.global_and_fixture_disabled():
            reporter.write_line(line)

    return show


def fail(error: HomelabAcceptanceError) -> None:
    """Fail the current test or fixture with the error's one line, no traceback."""
    __tracebackhide__ = True
    pytest.fail(str(error), pytrace=False)
