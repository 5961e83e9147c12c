from __future__ import annotations

import pytest

from homelab_acceptance.cluster import open_cluster, resolve_spec
from homelab_acceptance.cluster.debian import DebianCluster
from homelab_acceptance.errors import ConfigurationError


def test_auto_means_debian_for_now_and_says_so() -> None:
    said: list[str] = []
    cluster = open_cluster("auto", progress=said.append)
    assert isinstance(cluster, DebianCluster)
    assert said == ["cluster: auto chose debian:// (the only provider built so far)"]


def test_debian_options_are_parsed() -> None:
    cluster = open_cluster(
        "debian://?api_port=16443&nodeports=30000-30019", progress=lambda _: None
    )
    assert isinstance(cluster, DebianCluster)
    assert cluster.requested_api_port == 16443
    assert cluster.node_ports == (30000, 20)


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        ("bogus://x", "unknown provider"),
        ("debian", "unknown provider"),
        ("debian://?colour=blue", "does not know the option(s) colour"),
        ("debian://?api_port=80", "api_port='80'"),
        ("debian://?api_port=1&api_port=2", "more than once"),
        ("debian://?nodeports=1-2", "nodeports='1-2'"),
        ("debian://?nodeports=30010-30000", "nodeports='30010-30000'"),
    ],
)
def test_bad_specs_get_one_line_naming_the_fault(spec: str, complaint: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        open_cluster(spec, progress=lambda _: None)
    assert complaint in str(raised.value)
    assert "\n" not in str(raised.value)


def test_constructing_a_cluster_does_no_io() -> None:
    # No Docker I/O in constructors: this must work with no engine reachable at all.
    assert resolve_spec("debian://") == ("debian", {})
    cluster = DebianCluster(progress=lambda _: None)
    cluster.down()  # nothing was created, so nothing to remove
