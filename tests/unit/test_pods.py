from __future__ import annotations

from kubernetes import client as k8s

from homelab_acceptance.kube.pods import why_not_ready


def _waiting_pod(
    waiting: k8s.V1ContainerStateWaiting,
    *,
    phase: str = "Pending",
    restarts: int = 0,
    ended: k8s.V1ContainerStateTerminated | None = None,
    memory_limit: str | None = None,
) -> k8s.V1Pod:
    resources = k8s.V1ResourceRequirements(
        limits={"memory": memory_limit} if memory_limit else None
    )
    return k8s.V1Pod(
        spec=k8s.V1PodSpec(containers=[k8s.V1Container(name="app", resources=resources)]),
        status=k8s.V1PodStatus(
            phase=phase,
            container_statuses=[
                k8s.V1ContainerStatus(
                    name="app",
                    image="example/app:1",
                    image_id="",
                    ready=False,
                    restart_count=restarts,
                    state=k8s.V1ContainerState(waiting=waiting),
                    last_state=k8s.V1ContainerState(terminated=ended) if ended else None,
                )
            ],
        ),
    )


def test_a_waiting_container_is_explained_by_its_reason() -> None:
    pod = _waiting_pod(
        k8s.V1ContainerStateWaiting(reason="ErrImageNeverPull", message="image not present")
    )
    assert why_not_ready(pod) == "phase Pending; app waiting: ErrImageNeverPull image not present"


def test_an_unschedulable_pod_carries_the_schedulers_message() -> None:
    pod = k8s.V1Pod(
        status=k8s.V1PodStatus(
            phase="Pending",
            conditions=[
                k8s.V1PodCondition(
                    type="PodScheduled",
                    status="False",
                    message="0/1 nodes are available: 1 Insufficient cpu.",
                )
            ],
        )
    )
    assert (
        why_not_ready(pod)
        == "phase Pending; PodScheduled: 0/1 nodes are available: 1 Insufficient cpu."
    )


def _crash_looping(reason: str, exit_code: int, limit: str | None) -> k8s.V1Pod:
    return _waiting_pod(
        k8s.V1ContainerStateWaiting(reason="CrashLoopBackOff"),
        phase="Running",
        restarts=3,
        ended=k8s.V1ContainerStateTerminated(reason=reason, exit_code=exit_code),
        memory_limit=limit,
    )


def test_a_crash_loop_says_how_the_container_last_ended_and_its_memory_limit() -> None:
    assert why_not_ready(_crash_looping("OOMKilled", 137, "16Mi")) == (
        "phase Running; app waiting: CrashLoopBackOff "
        "(restarts 3, last ended: OOMKilled (memory limit 16Mi))"
    )


def test_a_crash_loop_of_an_error_says_the_exit_code() -> None:
    assert why_not_ready(_crash_looping("Error", 3, None)).endswith(
        "(restarts 3, last ended: Error with exit code 3)"
    )
