"""A ready container counts as settled only once it has stayed up for a while: a few seconds on
its first start, longer once it has restarted (the kubelet reports a death late on a loaded
node, so a container killed at every start can look running for seconds after a restart)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from homelab_acceptance.provision.settling import _just_started


def pod_running_for(seconds: float, restarts: int) -> SimpleNamespace:
    started = datetime.now(UTC) - timedelta(seconds=seconds)
    container = SimpleNamespace(
        name="hungry",
        restart_count=restarts,
        state=SimpleNamespace(running=SimpleNamespace(started_at=started)),
    )
    return SimpleNamespace(
        metadata=SimpleNamespace(name="hungry-1"),
        status=SimpleNamespace(container_statuses=[container]),
    )


def test_a_first_start_a_second_ago_has_not_settled() -> None:
    problem = _just_started([pod_running_for(1, restarts=0)])
    assert problem is not None
    assert "container hungry of pod hungry-1 just started" in problem


def test_a_first_start_ten_seconds_ago_has_settled() -> None:
    assert _just_started([pod_running_for(10, restarts=0)]) is None


def test_a_restarted_container_up_for_ten_seconds_has_not_settled() -> None:
    problem = _just_started([pod_running_for(10, restarts=1)])
    assert problem is not None
    assert "after 1 restart(s)" in problem


def test_a_restarted_container_up_for_a_minute_has_settled() -> None:
    assert _just_started([pod_running_for(60, restarts=2)]) is None
