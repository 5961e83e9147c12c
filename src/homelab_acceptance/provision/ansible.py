"""`ansible`: a component whose source is a playbook, run with ansible-playbook against localhost
(connection `local`, the harness's own Python, which has the `kubernetes` library that
kubernetes.core.k8s needs).

The convention a playbook for this provisioner follows: it takes the extra-vars
`kubeconfig` (the cluster's; `K8S_AUTH_KUBECONFIG` is set to it too), `namespace`, `component`,
`run_id` and `state`, which is `present` when the component is applied and `absent` when it is
destroyed, and it labels every object it makes `homelab-acceptance/component: {{ component }}`
and `homelab-acceptance: {{ run_id }}`. Its tasks must be idempotent: a second apply of an
unchanged playbook reports no task changed. Drift is its `--check --diff` run: the tasks that
would change. The component's values files are passed as `-e @file`."""

from __future__ import annotations

import time

from kubernetes import client as k8s

from homelab_acceptance.kube.client import api_client_for
from homelab_acceptance.provision.ansible_playbook import PlaybookOutcome, PlaybookRun, run_playbook
from homelab_acceptance.provision.cli_tools import require_cli
from homelab_acceptance.provision.component_namespace import (
    component_labels,
    delete_namespace_if_created,
    ensure_namespace,
)
from homelab_acceptance.provision.contract import ApplyReport, Provisioner
from homelab_acceptance.provision.private_files import private_dir
from homelab_acceptance.provision.settling import wait_namespace_settled
from homelab_acceptance.waiting import Observation, wait_for

INSTALL_HINT = "pip install 'homelab-acceptance[provisioners]'"
DESTROY_TIMEOUT_S = 180


class AnsibleProvisioner(Provisioner):
    name = "ansible"

    def apply(self) -> ApplyReport:
        started = time.monotonic()
        executable = self._executable()
        ensure_namespace(self._api(), self.component, self.identity)
        outcome = self._run(executable, "apply", "present")
        return ApplyReport(
            changes=tuple(f"task {task}: changed" for task in outcome.changed),
            unchanged=tuple(f"task {task}" for task in outcome.ok),
            seconds=time.monotonic() - started,
        )

    def wait_settled(self) -> None:
        wait_namespace_settled(self.cluster.kubeconfig_path, self.component)

    def drift(self) -> tuple[str, ...]:
        outcome = self._run(self._executable(), "drift check", "present", "--check", "--diff")
        return tuple(f"task {task}: would change" for task in outcome.changed)

    def destroy(self) -> None:
        self._run(self._executable(), "destroy", "absent")
        api = self._api()
        delete_namespace_if_created(api, self.component, self.identity, DESTROY_TIMEOUT_S)
        # In a namespace the harness did not create, what the playbook deleted may still be
        # terminating (pods of a deleted Deployment): wait for it.
        wait_for(
            lambda: self._labelled_pods_gone(api),
            awaiting=f"component {self.component.name} removed",
            timeout_s=DESTROY_TIMEOUT_S,
            poll_s=0.5,
        )

    def _executable(self) -> str:
        return require_cli(self.component, "ansible-playbook", hint=INSTALL_HINT)

    def _api(self) -> k8s.ApiClient:
        return api_client_for(self.cluster.kubeconfig_path)

    def _run(self, executable: str, step: str, state: str, *options: str) -> PlaybookOutcome:
        run = PlaybookRun(
            playbook=self.component.local_source(),
            extra_vars={
                "kubeconfig": str(self.cluster.kubeconfig_path),
                "namespace": self.component.namespace,
                "component": self.component.name,
                "run_id": self.identity.run_id,
                "state": state,
            },
            values_files=self.component.values,
            kubeconfig=self.cluster.kubeconfig_path,
            ansible_dir=private_dir(self.identity.workdir(), "ansible", self.component.name),
        )
        return run_playbook(self.component, step, executable, run, *options)

    def _labelled_pods_gone(self, api: k8s.ApiClient) -> Observation:
        labels = component_labels(self.component, self.identity)
        selector = ",".join(f"{key}={value}" for key, value in labels.items())
        pods = (
            k8s.CoreV1Api(api)
            .list_namespaced_pod(self.component.namespace, label_selector=selector)
            .items
        )
        names = [str(pod.metadata.name) for pod in pods if pod.metadata]
        return Observation(not names, f"pods still present: {', '.join(names)}")
