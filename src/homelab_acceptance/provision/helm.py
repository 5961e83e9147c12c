"""`helm`: a local chart directory or a pinned chart from a repository, installed as a release
named after the component with the helm CLI, always against the cluster's own kubeconfig.

Helm 4 applies server-side, which is what makes "a second apply changes nothing" observable
(an unchanged object keeps its resourceVersion). A post-renderer (`helm_post_render`) labels
every object with the run and the component on the way."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from homelab_acceptance.kube.client import api_client_for
from homelab_acceptance.provision.cli_tools import require_cli, run_cli
from homelab_acceptance.provision.component_namespace import (
    component_labels,
    delete_namespace_if_created,
    ensure_namespace,
)
from homelab_acceptance.provision.contract import ApplyReport, Provisioner
from homelab_acceptance.provision.live_objects import ApplyTally, LiveObjects, describe
from homelab_acceptance.provision.settling import WORKLOAD_KINDS, wait_workloads_settled
from homelab_acceptance.spec import Component

POST_RENDERER = "homelab-acceptance-labels"
HELM_HINT = "homelab-acceptance tools install puts it beside this Python"


def chart_arguments(component: Component) -> list[str]:
    """The chart and values part of `helm upgrade --install RELEASE …`."""
    chart = component.chart
    if chart is None:
        source = [str(component.local_source())]
    elif chart.repository.startswith("oci://"):
        source = [f"{chart.repository.rstrip('/')}/{chart.name}", "--version", chart.version]
    else:
        source = ["--repo", chart.repository, chart.name, "--version", chart.version]
    values = [argument for path in component.values for argument in ("-f", str(path))]
    return [*source, *values]


def write_post_renderer_plugin(plugins: Path) -> None:
    """The post-renderer as a Helm 4 plugin in `plugins` (Helm 4 takes post-renderers only as
    plugins), running this Python so it finds the harness's own modules."""
    directory = plugins / POST_RENDERER
    directory.mkdir(parents=True)
    plugin = {
        "apiVersion": "v1",
        "type": "postrenderer/v1",
        "name": POST_RENDERER,
        "version": "0.1.0",
        "runtime": "subprocess",
        "runtimeConfig": {
            "platformCommand": [
                {
                    "command": sys.executable,
                    "args": ["-m", "homelab_acceptance.provision.helm_post_render"],
                }
            ]
        },
    }
    (directory / "plugin.yaml").write_text(yaml.safe_dump(plugin, sort_keys=False))


class HelmProvisioner(Provisioner):
    name = "helm"

    @cached_property
    def _live(self) -> LiveObjects:
        return LiveObjects(self.cluster.kubeconfig_path, self.component)

    def _helm(
        self, step: str, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        helm = require_cli(self.component, "helm", hint=HELM_HINT)
        scope = ["--kubeconfig", str(self.cluster.kubeconfig_path)]
        scope += ["--namespace", self.component.namespace]
        # An empty HELM_KUBECONTEXT means the kubeconfig's current context, whatever the
        # user's shell has set: the harness never acts on another cluster.
        return run_cli(
            self.component, step, [helm, *args, *scope], env={"HELM_KUBECONTEXT": "", **(env or {})}
        )

    def _release_exists(self) -> bool:
        listed = self._helm(
            "helm list", "list", "--deployed", "--failed", "--pending", "--short",
            "--filter", f"^{self.component.name}$",
        )  # fmt: skip
        return self.component.name in listed.stdout.split()

    def release_objects(self) -> list[dict[str, Any]]:
        """The objects of the installed release, as Helm recorded them (post-rendered)."""
        manifest = self._helm("helm get manifest", "get", "manifest", self.component.name)
        objects = [d for d in yaml.safe_load_all(manifest.stdout) if isinstance(d, dict)]
        for obj in objects:
            self._live.namespace_of(obj)
        return objects

    def apply(self) -> ApplyReport:
        api = api_client_for(self.cluster.kubeconfig_path)
        created = ensure_namespace(api, self.component, self.identity)
        tally = ApplyTally([f"Namespace {self.component.namespace}: created"] if created else [])
        previous = self.release_objects() if self._release_exists() else []
        before = {describe(obj): self._live.resource_version(obj) for obj in previous}
        labels = component_labels(self.component, self.identity)
        with tempfile.TemporaryDirectory(prefix="homelab-acceptance-helm-") as plugins:
            write_post_renderer_plugin(Path(plugins))
            self._helm(
                "helm upgrade --install", "upgrade", "--install", self.component.name,
                *chart_arguments(self.component), "--server-side=true", "--force-conflicts",
                "--post-renderer", POST_RENDERER,
                *[f"--post-renderer-args={key}={value}" for key, value in labels.items()],
                env={"HELM_PLUGINS": plugins},
            )  # fmt: skip
        for obj in self.release_objects():
            tally.record(obj, before.get(describe(obj)), self._live.resource_version(obj))
        return tally.report()

    def wait_settled(self) -> None:
        workloads = [o for o in self.release_objects() if o["kind"] in WORKLOAD_KINDS]
        api = api_client_for(self.cluster.kubeconfig_path)
        wait_workloads_settled(api, workloads, self.component)

    def drift(self) -> tuple[str, ...]:
        if not self._release_exists():
            return (f"Release {self.component.namespace}/{self.component.name}: missing",)
        live = self._live
        found = (live.drift(obj) for obj in self.release_objects())
        return tuple(difference for difference in found if difference is not None)

    def destroy(self) -> None:
        self._helm(
            "helm uninstall", "uninstall", self.component.name, "--wait", "--ignore-not-found",
            "--timeout", f"{self.component.settle_timeout_s:.0f}s",
        )  # fmt: skip
        api = api_client_for(self.cluster.kubeconfig_path)
        delete_namespace_if_created(api, self.component, self.identity)
