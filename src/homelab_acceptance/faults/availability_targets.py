"""What the availability prober watches on a stack: the API server's /readyz on the host port
the kubeconfig names, and every declared endpoint that has a NodePort, at the loopback
address the cluster publishes it on."""

from __future__ import annotations

from homelab_acceptance.cluster import Cluster
from homelab_acceptance.faults.availability import ProbeTarget
from homelab_acceptance.kube.client import api_client_for
from homelab_acceptance.spec import Stack

API_TARGET = "api"


def api_readyz_target(cluster: Cluster) -> ProbeTarget:
    """/readyz is open to anonymous clients (system:public-info-viewer), so the prober needs
    only the cluster's CA, never its credentials."""
    configuration = api_client_for(cluster.kubeconfig_path).configuration
    return ProbeTarget(
        API_TARGET, f"{configuration.host}/readyz", body="ok", ca_file=configuration.ssl_ca_cert
    )


def node_port_targets(cluster: Cluster, stack: Stack) -> list[ProbeTarget]:
    """One target per declared endpoint with a `node_port`, named `component:path`."""
    targets = []
    for component in stack.components:
        for endpoint in component.expect.endpoints:
            if endpoint.node_port is None:
                continue
            host, port = cluster.node_port_address(endpoint.node_port)
            targets.append(
                ProbeTarget(
                    f"{component.name}:{endpoint.path}",
                    f"http://{host}:{port}{endpoint.path}",
                    status=endpoint.status,
                    body=endpoint.body,
                )
            )
    return targets
