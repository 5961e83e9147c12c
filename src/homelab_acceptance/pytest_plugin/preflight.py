"""`--doctor`: the preflight (`homelab-acceptance doctor`) before anything starts. Its warnings
are printed; a failed finding ends the run at once with exit code 2 (the harness cannot run)
and the finding's line, which names the fix. `./scripts/acceptance` passes it."""

from __future__ import annotations

import pytest

from homelab_acceptance.doctor.diagnosis import diagnose
from homelab_acceptance.doctor.facts import gather_facts
from homelab_acceptance.doctor.findings import Level
from homelab_acceptance.pytest_plugin.options import run_options
from homelab_acceptance.pytest_plugin.session_state import stack_key

EXIT_HARNESS_CANNOT_RUN = 2


def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    options = run_options(config)
    if not options.doctor:
        return
    stack = config.stash.get(stack_key, None)
    cluster = options.cluster
    findings = diagnose(gather_facts(stack.path if stack else None, cluster))
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    for finding in findings:
        if finding.level is not Level.OK and reporter is not None:
            reporter.write_line(f"doctor: {finding.line()}")
    failed = [f for f in findings if f.level is Level.FAIL]
    if failed:
        pytest.exit(f"preflight: {failed[0].line()}", returncode=EXIT_HARNESS_CANNOT_RUN)
