from __future__ import annotations

from kubernetes import client as k8s

from homelab_acceptance.kube.pods import why_not_ready


def test_a_waiting_container_is_explained_by_its_reason() -> None:
    pod = k8s.V1Pod(
        status=k8s.V1PodStatus(
            phase="Pending",
            container_statuses=[
                k8s.V1ContainerStatus(
                    name="app",
                    image="example/app:1",
                    image_id="",
                    ready=False,
                    restart_count=0,
                    state=k8s.V1ContainerState(
                        waiting=k8s.V1ContainerStateWaiting(
                            reason="ErrImageNeverPull", message="image not present"
                        )
                    ),
                )
            ],
        )
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
