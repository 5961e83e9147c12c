"""homelab-acceptance: prove a single-node K3S homelab works; measure where one node falls short.

The public API, for a homelab owner's own checks beside the built-in suites: the fixtures'
types (`Cluster`, `Stack`, `ProvisionedStack`, the `Prometheus` and `Alertmanager` clients),
the wait helper (`wait_for` with `Observation`), running commands in pods (`exec_in_pod`),
and every error the harness raises (the tree is drawn in `homelab_acceptance.errors`).

Names are imported when first used: pytest loads this package's entry point in every project
where it is installed, and that must not import Docker's or Kubernetes' client.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from homelab_acceptance.cluster import Cluster, open_cluster
    from homelab_acceptance.errors import (
        ClusterError,
        ConfigurationError,
        DockerUnavailableError,
        GoBuildError,
        HomelabAcceptanceError,
        LocalImageBuildError,
        NodeImageBuildError,
        PortTakenError,
        ProvisionError,
        StackSpecError,
        ToolInstallError,
        WaitHopeless,
        WaitTimeout,
    )
    from homelab_acceptance.kube.pods import exec_in_pod
    from homelab_acceptance.probes.alertmanager import Alertmanager
    from homelab_acceptance.probes.prometheus import Prometheus, PrometheusQueryError
    from homelab_acceptance.pytest_plugin.stack_fixtures import ProvisionedStack
    from homelab_acceptance.spec import Stack, load_stack
    from homelab_acceptance.waiting import Observation, wait_for

#: Public name -> the module that defines it.
_WHERE = {
    "Alertmanager": "homelab_acceptance.probes.alertmanager",
    "Prometheus": "homelab_acceptance.probes.prometheus",
    "PrometheusQueryError": "homelab_acceptance.probes.prometheus",
    "Cluster": "homelab_acceptance.cluster",
    "open_cluster": "homelab_acceptance.cluster",
    "exec_in_pod": "homelab_acceptance.kube.pods",
    "ProvisionedStack": "homelab_acceptance.pytest_plugin.stack_fixtures",
    "Stack": "homelab_acceptance.spec",
    "load_stack": "homelab_acceptance.spec",
    "Observation": "homelab_acceptance.waiting",
    "wait_for": "homelab_acceptance.waiting",
    **{
        name: "homelab_acceptance.errors"
        for name in (
            "ClusterError",
            "ConfigurationError",
            "DockerUnavailableError",
            "GoBuildError",
            "HomelabAcceptanceError",
            "LocalImageBuildError",
            "NodeImageBuildError",
            "PortTakenError",
            "ProvisionError",
            "StackSpecError",
            "ToolInstallError",
            "WaitHopeless",
            "WaitTimeout",
        )
    },
}

__all__ = [
    "Alertmanager",
    "Cluster",
    "ClusterError",
    "ConfigurationError",
    "DockerUnavailableError",
    "GoBuildError",
    "HomelabAcceptanceError",
    "LocalImageBuildError",
    "NodeImageBuildError",
    "Observation",
    "PortTakenError",
    "Prometheus",
    "PrometheusQueryError",
    "ProvisionError",
    "ProvisionedStack",
    "Stack",
    "StackSpecError",
    "ToolInstallError",
    "WaitHopeless",
    "WaitTimeout",
    "exec_in_pod",
    "load_stack",
    "open_cluster",
    "wait_for",
]
__version__ = "0.1.0"


assert sorted(_WHERE) == __all__


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'homelab_acceptance' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
