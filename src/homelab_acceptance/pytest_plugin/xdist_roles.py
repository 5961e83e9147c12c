"""Which part of a pytest-xdist run (`pytest -n N`) this process is. The controller owns the
one cluster the workers share and writes the report; each worker attaches to that cluster and
runs its share of the checks. Without xdist a process is neither."""

from __future__ import annotations

import pytest

#: What the controller tells each worker about the shared cluster (workerinput key).
SHARED_CLUSTER_INPUT = "homelab_acceptance_shared_cluster"
#: What a worker hands back to the controller's report (workeroutput key).
WORKER_REPORT_OUTPUT = "homelab_acceptance_report"


def is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def is_xdist_controller(config: pytest.Config) -> bool:
    """xdist sets `dist` to "load" (or what --dist says) when -n asks for workers."""
    return getattr(config.option, "dist", "no") != "no" and not is_xdist_worker(config)
