"""Whose doing a stack that did not come up is: the stack's (None: a rejected stack, exit 1)
or the harness's or the machine's (a cause: the run could not run, exit 2)."""

from __future__ import annotations

import pytest

from homelab_acceptance.errors import (
    ClusterError,
    ConfigurationError,
    DockerUnavailableError,
    HomelabAcceptanceError,
    LocalImageBuildError,
    MissingToolError,
    ProvisionError,
    WaitTimeout,
)
from homelab_acceptance.provision.bring_up_cause import harness_or_machine_cause


@pytest.mark.parametrize(
    "error",
    [
        ProvisionError("component app cannot settle: app waiting: CrashLoopBackOff (OOMKilled)"),
        ConfigurationError("component app: image x:1 is not present locally"),
        WaitTimeout("timed out waiting for component app to settle; last seen: Insufficient cpu"),
        ProvisionError("component app: Service app: spec.selector {a: b} matches no pod"),
        WaitTimeout("last seen: app waiting: ErrImagePull manifest unknown: x:1 not found"),
    ],
    ids=["crash-loop", "image-missing", "unschedulable", "selector", "image-not-in-registry"],
)
def test_what_the_stack_did_is_the_stacks(error: HomelabAcceptanceError) -> None:
    assert harness_or_machine_cause(error) is None


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (DockerUnavailableError("no Docker engine answers"), "the Docker engine does not answer"),
        (ClusterError("node container exited"), "the cluster failed"),
        (
            MissingToolError("component web (opentofu): no 'tofu' or 'terraform' on PATH"),
            "a tool the provisioner runs is not installed",
        ),
        (
            LocalImageBuildError("image x: no space left on device in Docker's data root"),
            "the machine's disk is full",
        ),
        (
            WaitTimeout(
                "last seen: 0/1 nodes are available: untolerated taint "
                "{node.kubernetes.io/not-ready: }"
            ),
            "the node is not Ready",
        ),
        (
            WaitTimeout(
                "last seen: app waiting: ErrImagePull failed to pull: dial tcp: lookup "
                "registry-1.docker.io: no such host"
            ),
            "a registry could not be reached for a pull",
        ),
    ],
    ids=["engine", "cluster", "missing-tool", "disk", "node-not-ready", "registry"],
)
def test_what_the_machine_did_is_named(error: HomelabAcceptanceError, cause: str) -> None:
    assert harness_or_machine_cause(error) == cause
