"""A DaemonSet counts as settled only once its controller has seen the latest change and every
scheduled pod is of the new template and ready: right after an apply that changed its pod
template, its status still counts the old pod, which is about to go (and a Service in front
of it then selects no pod for a moment)."""

from __future__ import annotations

from types import SimpleNamespace

from homelab_acceptance.provision.settling import _daemon_rollout_problem


def daemon_set(
    generation: int, observed: int, ready: int, updated: int, unavailable: int = 0
) -> SimpleNamespace:
    return SimpleNamespace(
        metadata=SimpleNamespace(generation=generation),
        status=SimpleNamespace(
            observed_generation=observed,
            desired_number_scheduled=1,
            number_ready=ready,
            updated_number_scheduled=updated,
            number_unavailable=unavailable,
        ),
    )


def test_a_change_the_controller_has_not_seen_is_not_settled() -> None:
    assert _daemon_rollout_problem(daemon_set(3, 2, 1, 1)) == "rollout not observed yet"


def test_the_old_pod_still_ready_is_not_settled() -> None:
    assert _daemon_rollout_problem(daemon_set(3, 3, 1, 0)) == "1/1 ready, 0/1 updated"


def test_an_unavailable_pod_is_not_settled() -> None:
    assert _daemon_rollout_problem(daemon_set(3, 3, 0, 1, 1)) == "0/1 ready, 1/1 updated"


def test_every_pod_new_and_ready_is_settled() -> None:
    assert _daemon_rollout_problem(daemon_set(3, 3, 1, 1)) is None
