"""A few components provisioned together for one test module, the way the session's stack is
(images built and imported, applied and settled in order), and destroyed afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from homelab_acceptance.cluster import Cluster
from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.provision.stack_lifecycle import StackLifecycle
from homelab_acceptance.pytest_plugin.session_state import progress_printer, run_identity_key
from homelab_acceptance.spec import Component, Stack


@contextmanager
def provisioned_components(
    request: pytest.FixtureRequest, cluster: Cluster, where: Path, *components: Component
) -> Iterator[None]:
    lifecycle = StackLifecycle(
        cluster,
        Stack(where, where.name, components),
        request.config.stash[run_identity_key],
        progress_printer(request.config),
    )
    try:
        lifecycle.prepare_images(connect_docker())
        lifecycle.apply()
        yield
    finally:
        lifecycle.destroy()
