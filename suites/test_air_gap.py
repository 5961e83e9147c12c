"""Air-gap proof: on a cluster meant to run offline, nothing was pulled from a registry during
the run, and every container of the stack runs an image the harness imported.

Which clusters are offline: `debian://` is the provider for machines that reach no registry
(README), so there a pull is a defect. On other providers a stack may pull by design (the
online profile): the check is skipped there, saying so.
"""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client as k8s

from homelab_acceptance.checks.air_gap import check_air_gap
from homelab_acceptance.cluster import Cluster
from homelab_acceptance.pytest_plugin.stack_fixtures import ProvisionedStack

pytestmark = pytest.mark.requirement(
    "runs-offline",
    "The homelab runs offline: nothing is pulled from a registry",
)

OFFLINE_PROVIDERS = ("debian",)


def test_nothing_was_pulled_and_every_image_came_from_the_import(
    cluster: Cluster,
    kube_api: k8s.ApiClient,
    provisioned_stack: ProvisionedStack,
    evidence: dict[str, Any],
) -> None:
    if cluster.provider not in OFFLINE_PROVIDERS:
        pytest.skip(
            f"{cluster.provider}:// may pull images by design; the air gap holds on debian://"
        )
    imported = provisioned_stack.images
    if imported is None:
        pytest.skip(f"the harness imported no images into {cluster.provider}://")
    node = getattr(cluster, "node", None)
    if node is None:
        pytest.skip(f"{cluster.provider}:// has no node container to list its images")
    namespaces = sorted({c.namespace for c in provisioned_stack.stack.components})
    report = check_air_gap(kube_api, node.exec, imported.images, namespaces)
    evidence.update(
        imported=list(imported.images),
        namespaces=namespaces,
        images=report.images,
        pulls=list(report.pulls),
    )
    assert report.images, f"no running container found in the stack's namespaces {namespaces}"
    assert not report.breaches, "air gap broken: " + "; ".join(report.breaches)
