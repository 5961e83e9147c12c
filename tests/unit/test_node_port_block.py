"""The NodePort block a node publishes: the default when the stack's NodePorts fit, moved or
widened to hold them otherwise, and one line naming the ports that cannot be had."""

from __future__ import annotations

import pytest

from homelab_acceptance.cluster.node_port_block import MAX_BLOCK, node_port_block
from homelab_acceptance.errors import ConfigurationError


def test_ports_in_the_default_block_keep_it() -> None:
    assert node_port_block({30020: "app", 30031: "b"}) == (30000, 32)
    assert node_port_block({}) == (30000, 32)


def test_a_port_above_the_default_moves_the_block_to_it() -> None:
    assert node_port_block({30080: "web (web:80)"}) == (30080, 32)


def test_ports_apart_widen_the_block_to_hold_both() -> None:
    assert node_port_block({30020: "a", 30090: "b"}) == (30020, 71)


def test_the_block_never_passes_the_last_node_port() -> None:
    assert node_port_block({32767: "a"}) == (32736, 32)


def test_ports_too_far_apart_are_named() -> None:
    with pytest.raises(ConfigurationError) as raised:
        node_port_block({30020: "app (app:80)", 32000: "web (web:80)"})
    message = str(raised.value)
    assert "30020 of app (app:80), 32000 of web (web:80)" in message
    assert f"at most {MAX_BLOCK}" in message


def test_a_given_block_is_kept_and_a_port_outside_it_named() -> None:
    assert node_port_block({30005: "a"}, (30000, 10)) == (30000, 10)
    with pytest.raises(
        ConfigurationError,
        match=r"30080 of web \(web:80\) is outside the published nodeports=30000-30009",
    ):
        node_port_block({30080: "web (web:80)"}, (30000, 10))
