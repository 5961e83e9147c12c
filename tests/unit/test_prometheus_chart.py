"""The reference stack's Prometheus chart, rendered by the real helm with the stack's values:
the objects are the ones the stack relies on, the configuration scrapes what it should, and the
rules file parses and holds the alerts other checks wait for. (promtool is not installed here:
the rules are checked for shape, not by Prometheus itself.)"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from homelab_acceptance.provision.cli_tools import find_cli

ROOT = Path(__file__).parents[2]
CHART = ROOT / "stack" / "charts" / "prometheus"
#: The broken-alert-expression variant's copy of the chart (fixtures/broken).
BROKEN_CHART = ROOT / "fixtures" / "broken" / "broken-alert-expression" / "charts" / "prometheus"
VALUES = ROOT / "stack" / "values" / "prometheus.yaml"
Objects = dict[tuple[str, str], dict[str, Any]]


def helm(*args: str) -> str:
    found = find_cli("helm")
    if found is None:
        pytest.fail("no helm on PATH or beside the running Python: ./scripts/setup installs it")
    result = subprocess.run([found, *args], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def render(*extra: str, values: tuple[str, ...] = ("-f", str(VALUES))) -> Objects:
    manifest = helm("template", "prometheus", str(CHART), "-n", "prometheus", *values, *extra)
    documents = [d for d in yaml.safe_load_all(manifest) if isinstance(d, dict)]
    return {(d["kind"], d["metadata"]["name"]): d for d in documents}


@pytest.fixture(scope="module")
def objects() -> Objects:
    return render()


def pod_containers(rendered: Objects) -> list[dict[str, Any]]:
    template = rendered["Deployment", "prometheus"]["spec"]["template"]
    containers: list[dict[str, Any]] = template["spec"]["containers"]
    return containers


def config_file(objects: Objects, name: str) -> dict[str, Any]:
    parsed: dict[str, Any] = yaml.safe_load(objects["ConfigMap", "prometheus-config"]["data"][name])
    return parsed


def test_the_chart_lints() -> None:
    helm("lint", "--strict", str(CHART), "-f", str(VALUES))


def test_the_chart_is_pinned_as_the_stack_says() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert (chart["apiVersion"], chart["version"], chart["appVersion"]) == ("v2", "0.2.0", "3.16.0")


def test_it_renders_exactly_the_objects_the_stack_relies_on(objects: Objects) -> None:
    assert set(objects) == {
        ("ServiceAccount", "prometheus"),
        ("ClusterRole", "prometheus-prometheus"),
        ("ClusterRoleBinding", "prometheus-prometheus"),
        ("ConfigMap", "prometheus-config"),
        ("PersistentVolumeClaim", "prometheus-data"),
        ("Deployment", "prometheus"),
        ("Service", "prometheus"),
    }


def test_prometheus_may_discover_and_read_node_metrics(objects: Objects) -> None:
    rules = objects["ClusterRole", "prometheus-prometheus"]["rules"]
    reads = ["get", "list", "watch"]
    resources = ["nodes", "nodes/proxy", "nodes/metrics", "services", "pods"]
    assert {"apiGroups": [""], "resources": resources, "verbs": reads} in rules
    slices = {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": reads}
    assert slices in rules
    assert {"nonResourceURLs": ["/metrics"], "verbs": ["get"]} in rules
    binding = objects["ClusterRoleBinding", "prometheus-prometheus"]
    assert binding["roleRef"]["name"] == "prometheus-prometheus"
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "prometheus", "namespace": "prometheus"}
    ]


def test_the_deployment_runs_the_local_image_on_its_volume(objects: Objects) -> None:
    deployment = objects["Deployment", "prometheus"]
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    pod = deployment["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "prometheus"
    assert pod["securityContext"] == {
        "runAsNonRoot": True, "runAsUser": 65534, "runAsGroup": 65534, "fsGroup": 65534,
    }  # fmt: skip
    (container,) = pod["containers"]
    assert container["name"] == "prometheus"
    assert container["image"] == "homelab-acceptance/prometheus:3.16.0"
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert container["args"] == [
        "--config.file=/etc/prometheus/prometheus.yml",
        "--storage.tsdb.path=/prometheus",
        "--storage.tsdb.retention.time=1d",
        "--web.enable-lifecycle",
    ]
    assert container["readinessProbe"]["httpGet"]["path"] == "/-/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/-/healthy"
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts == {"config": "/etc/prometheus", "data": "/prometheus"}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["data"]["persistentVolumeClaim"] == {"claimName": "prometheus-data"}
    assert volumes["config"]["configMap"] == {"name": "prometheus-config"}
    claim = objects["PersistentVolumeClaim", "prometheus-data"]["spec"]
    assert claim["resources"]["requests"]["storage"] == "1Gi"
    assert "storageClassName" not in claim  # the cluster's default


def test_the_service_is_published_on_node_port_30021(objects: Objects) -> None:
    spec = objects["Service", "prometheus"]["spec"]
    assert spec["type"] == "NodePort"
    assert spec["ports"] == [
        {"name": "http", "port": 9090, "targetPort": "http", "protocol": "TCP", "nodePort": 30021}
    ]
    assert (
        spec["selector"] == objects["Deployment", "prometheus"]["spec"]["selector"]["matchLabels"]
    )


def test_the_configuration_scrapes_the_node_services_and_probes(objects: Objects) -> None:
    config = config_file(objects, "prometheus.yml")
    assert config["global"] == {"scrape_interval": "5s", "evaluation_interval": "5s"}
    assert config["alerting"]["alertmanagers"] == [
        {"static_configs": [{"targets": ["alertmanager.alertmanager.svc.cluster.local:9093"]}]}
    ]
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == {
        "prometheus", "kubelet", "cadvisor", "kubernetes-service-endpoints", "blackbox",
    }  # fmt: skip
    token = "/var/run/secrets/kubernetes.io/serviceaccount/token"
    for name in ("kubelet", "cadvisor"):
        assert jobs[name]["bearer_token_file"] == token
    blackbox = jobs["blackbox"]
    assert blackbox["params"] == {"module": ["http_2xx"]}
    assert blackbox["static_configs"] == [
        {"targets": ["http://sample-app.apps.svc.cluster.local:8080/healthz"]}
    ]
    assert blackbox["relabel_configs"][-1] == {
        "target_label": "__address__",
        "replacement": "blackbox-exporter.blackbox.svc.cluster.local:9115",
    }


def test_nodes_and_annotated_services_are_found_by_kubernetes_discovery(
    objects: Objects,
) -> None:
    jobs = {j["job_name"]: j for j in config_file(objects, "prometheus.yml")["scrape_configs"]}
    for name, role in (
        ("kubelet", "node"),
        ("cadvisor", "node"),
        ("kubernetes-service-endpoints", "endpointslice"),
    ):
        assert jobs[name]["kubernetes_sd_configs"] == [{"role": role}]
        assert "http_sd_configs" not in jobs[name]
    # Prometheus 3 refuses a scrape without a known Content-Type unless given a fallback.
    assert jobs["kubernetes-service-endpoints"]["fallback_scrape_protocol"] == (
        "PrometheusText0.0.4"
    )


def test_the_rules_file_holds_the_alerts_other_checks_wait_for(objects: Objects) -> None:
    rules = config_file(objects, "alerts.yml")
    alerts = {rule["alert"]: rule for group in rules["groups"] for rule in group["rules"]}
    assert set(alerts) == {"Watchdog", "TargetDown", "SampleAppDown", "NodeFilesystemFillingUp"}
    assert alerts["Watchdog"]["expr"] == "vector(1)"  # stack.yaml's always_firing
    assert "for" not in alerts["Watchdog"]
    assert alerts["TargetDown"]["for"] == "30s"
    assert alerts["TargetDown"]["labels"] == {"severity": "warning"}
    assert alerts["SampleAppDown"]["for"] == "15s"
    assert '(sum(up{job="sample-app"}) or vector(0)) == 0' in alerts["SampleAppDown"]["expr"]
    assert "probe_success" in alerts["SampleAppDown"]["expr"]
    filesystem = alerts["NodeFilesystemFillingUp"]["expr"]
    assert filesystem.endswith("< 10")
    assert 'fstype!~"tmpfs|' in filesystem
    assert "{{ $labels.instance }}" in alerts["TargetDown"]["annotations"]["summary"]


def test_a_threshold_from_values_reaches_the_rule() -> None:
    rules = config_file(render("--set", "alerts.filesystemAvailablePercent=25"), "alerts.yml")
    (filesystem,) = [
        r for r in rules["groups"][0]["rules"] if r["alert"] == "NodeFilesystemFillingUp"
    ]
    assert filesystem["expr"].endswith("< 25")


def test_a_configuration_change_rolls_the_pod(objects: Objects) -> None:
    def checksum(rendered: Objects) -> str:
        template = rendered["Deployment", "prometheus"]["spec"]["template"]
        return str(template["metadata"]["annotations"]["checksum/config"])

    assert checksum(render()) == checksum(objects)
    assert checksum(render("--set", "scrapeInterval=15s")) != checksum(objects)


def test_with_the_charts_defaults_nodes_and_annotated_services_are_found() -> None:
    rendered = render(values=())
    config = config_file(rendered, "prometheus.yml")
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == {
        "prometheus", "kubelet", "cadvisor", "kubernetes-service-endpoints", "blackbox",
    }  # fmt: skip
    for name, path in (("kubelet", "metrics"), ("cadvisor", "metrics/cadvisor")):
        relabel = jobs[name]["relabel_configs"]
        assert jobs[name]["kubernetes_sd_configs"] == [{"role": "node"}]
        assert {
            "target_label": "__address__",
            "replacement": "kubernetes.default.svc:443",
        } in relabel
        assert f"/api/v1/nodes/$1/proxy/{path}" in [r.get("replacement") for r in relabel]
    endpoints = jobs["kubernetes-service-endpoints"]["relabel_configs"]
    assert endpoints[0] == {
        "source_labels": ["__meta_kubernetes_service_annotation_prometheus_io_scrape"],
        "action": "keep",
        "regex": "true",
    }
    kept = {r["target_label"]: r["source_labels"] for r in endpoints if "target_label" in r}
    assert kept["job"] == ["__meta_kubernetes_service_name"]
    assert {"namespace", "pod", "service", "__metrics_path__", "__address__"} <= set(kept)
    assert [c["name"] for c in pod_containers(rendered)] == ["prometheus"]


def test_extra_rules_join_the_homelab_group() -> None:
    extra = render(
        "--set", "alerts.extraRules[0].alert=Extra", "--set", "alerts.extraRules[0].expr=vector(1)"
    )
    rules = config_file(extra, "alerts.yml")
    group = next(g for g in rules["groups"] if g["name"] == "homelab")
    assert group["rules"][-1] == {"alert": "Extra", "expr": "vector(1)"}


def test_the_broken_variants_chart_is_the_reference_chart_but_for_its_rule() -> None:
    """fixtures/broken/broken-alert-expression carries a copy of the chart: kept in step,
    only SampleAppDown's job selector differs."""
    ours = sorted(p.relative_to(CHART) for p in CHART.rglob("*") if p.is_file())
    theirs = sorted(p.relative_to(BROKEN_CHART) for p in BROKEN_CHART.rglob("*") if p.is_file())
    assert ours == theirs
    differing = [
        path for path in ours if (CHART / path).read_bytes() != (BROKEN_CHART / path).read_bytes()
    ]
    assert differing == [Path("templates/_config.tpl")]
    good = (CHART / "templates" / "_config.tpl").read_text().splitlines()
    broken = (BROKEN_CHART / "templates" / "_config.tpl").read_text().splitlines()
    changed = [(a, b) for a, b in zip(good, broken, strict=True) if a != b]
    assert [(a.strip(), b.strip()) for a, b in changed] == [
        (
            '(sum(up{job="sample-app"}) or vector(0)) == 0',
            '(sum(up{job="sample_app"}) or vector(0)) == 0',
        )
    ]
