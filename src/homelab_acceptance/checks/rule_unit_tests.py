"""The stack's rule unit tests (observability.rule_tests: promtool's own test format), run with
`promtool test rules` inside the Prometheus pod against the rules that Prometheus has loaded,
not against a copy in the repository that may have drifted: the loaded groups are written back
as rule files (from /api/v1/rules: each rule's expression, `for`, `keep_firing_for`, labels and
annotations, each group's interval) and replace the test file's own `rule_files`. The pod's
image must carry promtool (upstream's images do, and so does stack/images/prometheus)."""

from __future__ import annotations

import base64
import shlex
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client as k8s

from homelab_acceptance.kube.pods import exec_in_pod
from homelab_acceptance.probes.prometheus import Prometheus
from homelab_acceptance.spec import ServiceRef

#: Where the files go in the pod (its /tmp), removed after the run.
WORK_DIR = "/tmp/homelab-acceptance-rule-tests"
PROMTOOL_TIMEOUT_S = 120.0


def loaded_rule_files(prometheus: Prometheus) -> dict[str, str]:
    """The loaded rule groups as rule files' text, one per file Prometheus read them from."""
    files: dict[str, list[dict[str, Any]]] = {}
    for group in prometheus.rule_groups():
        rules = [_rule(rule) for rule in group.get("rules", [])]
        entry: dict[str, Any] = {"name": group.get("name"), "rules": rules}
        if group.get("interval"):
            entry["interval"] = f"{float(group['interval']):g}s"
        files.setdefault(str(group.get("file") or "rules"), []).append(entry)
    return {
        f"loaded-{n}.yml": yaml.safe_dump({"groups": groups}, sort_keys=False)
        for n, (_, groups) in enumerate(sorted(files.items()))
    }


def _rule(rule: dict[str, Any]) -> dict[str, Any]:
    written: dict[str, Any]
    if rule.get("type") == "alerting":
        written = {"alert": rule.get("name"), "expr": rule.get("query")}
        if rule.get("duration"):
            written["for"] = f"{float(rule['duration']):g}s"
        if rule.get("keepFiringFor"):
            written["keep_firing_for"] = f"{float(rule['keepFiringFor']):g}s"
    else:
        written = {"record": rule.get("name"), "expr": rule.get("query")}
    if rule.get("labels"):
        written["labels"] = rule["labels"]
    if rule.get("annotations"):
        written["annotations"] = rule["annotations"]
    return written


def promtool_file_on_loaded_rules(tests: Path, rule_files: list[str]) -> str:
    """The stack's test file with its `rule_files` replaced by the loaded ones."""
    document = yaml.safe_load(tests.read_text(encoding="utf-8")) or {}
    if not isinstance(document, dict) or "tests" not in document:
        raise ValueError(f"{tests}: not a promtool rule test file (no `tests:`)")
    document["rule_files"] = rule_files
    return yaml.safe_dump(document, sort_keys=False)


def prometheus_pod(api: k8s.ApiClient, service: ServiceRef) -> str:
    """A running pod behind the Prometheus Service."""
    core = k8s.CoreV1Api(api)
    spec = core.read_namespaced_service(service.name, service.namespace).spec
    selector = (spec.selector if spec else None) or {}
    pods = core.list_namespaced_pod(
        service.namespace, label_selector=",".join(f"{k}={v}" for k, v in selector.items())
    ).items
    running = [
        p.metadata.name for p in pods if p.metadata and p.status and p.status.phase == "Running"
    ]
    if not running:
        raise AssertionError(f"no running pod behind Service {service} to run promtool in")
    return str(running[0])


def run_rule_tests(
    api: k8s.ApiClient, service: ServiceRef, prometheus: Prometheus, tests: Path
) -> tuple[int, str]:
    """promtool's exit code and output for one test file, in the Prometheus pod."""
    rules = loaded_rule_files(prometheus)
    files = dict(rules)
    files["tests.yml"] = promtool_file_on_loaded_rules(tests, sorted(rules))
    writes = " && ".join(
        f"echo {base64.b64encode(text.encode()).decode()} | base64 -d > {shlex.quote(name)}"
        for name, text in files.items()
    )
    script = (
        f"rm -rf {WORK_DIR} && mkdir -p {WORK_DIR} && cd {WORK_DIR} && {writes} && "
        f"{{ promtool test rules tests.yml; code=$?; }}; cd / && rm -rf {WORK_DIR}; exit $code"
    )
    pod = prometheus_pod(api, service)
    return exec_in_pod(
        api, service.namespace, pod, ["sh", "-c", script], timeout_s=PROMTOOL_TIMEOUT_S
    )
