"""The owner's own check, beside the built-in suites, with the plugin's fixtures: Redis
answers and keeps what it is told."""

from kubernetes import client as k8s

from homelab_acceptance import ProvisionedStack, exec_in_pod


def test_redis_answers_and_stores_a_key(
    kube_api: k8s.ApiClient, provisioned_stack: ProvisionedStack
) -> None:
    pods = k8s.CoreV1Api(kube_api).list_namespaced_pod("data", label_selector="app=redis").items
    pod = next(p.metadata.name for p in pods if p.status.phase == "Running")
    code, output = exec_in_pod(kube_api, "data", pod, ["redis-cli", "set", "greeting", "hello"])
    assert (code, output.strip()) == (0, "OK"), output
    code, output = exec_in_pod(kube_api, "data", pod, ["redis-cli", "get", "greeting"])
    assert (code, output.strip()) == (0, "hello"), output
