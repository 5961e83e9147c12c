"""The reference stack's Alertmanager playbook: ansible-playbook accepts it, its Alertmanager
configuration pages every alert but the Watchdog through the stack's notification sink, and
its objects are the ones the stack relies on (NodePort 30022, within the 30000-30031 the node
publishes; scrape annotations; no gossip)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from homelab_acceptance.provision.cli_tools import find_cli

PLAYBOOKS = Path(__file__).parents[2] / "stack" / "playbooks"
PLAYBOOK = PLAYBOOKS / "alertmanager.yaml"


def syntax_check(playbook: Path, ansible_home: Path) -> subprocess.CompletedProcess[str]:
    executable = find_cli("ansible-playbook")
    if executable is None:
        pytest.skip("no ansible-playbook: pip install 'homelab-acceptance[provisioners]'")
    env = {**os.environ, "ANSIBLE_HOME": str(ansible_home), "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_LOCAL_TEMP": str(ansible_home / "tmp")}  # fmt: skip
    return subprocess.run(
        [executable, "--syntax-check", "-i", "localhost,", str(playbook)],
        capture_output=True, text=True, env=env, check=False, timeout=120,
    )  # fmt: skip


def definitions() -> dict[str, dict[str, Any]]:
    """The playbook's Kubernetes objects by kind (each task makes one)."""
    plays = yaml.safe_load(PLAYBOOK.read_text())
    objects = [task["kubernetes.core.k8s"]["definition"] for task in plays[0]["tasks"]]
    return {obj["kind"]: obj for obj in objects}


def test_ansible_playbook_accepts_the_playbook(tmp_path: Path) -> None:
    result = syntax_check(PLAYBOOK, tmp_path)
    assert result.returncode == 0, result.stderr


def test_the_syntax_check_rejects_an_unknown_module(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        PLAYBOOK.read_text().replace("kubernetes.core.k8s:\n", "kubernetes.core.k9s:\n")
    )
    assert syntax_check(broken, tmp_path).returncode != 0


def test_alerts_page_through_the_sink_and_the_heartbeat_does_not() -> None:
    config = yaml.safe_load((PLAYBOOKS / "alertmanager" / "alertmanager.yml").read_text())
    route = config["route"]
    assert route["receiver"] == "homelab-webhook"
    assert (route["group_wait"], route["group_interval"], route["repeat_interval"]) == (
        "5s", "10s", "1h",
    )  # fmt: skip
    assert route["routes"] == [{"matchers": ['alertname="Watchdog"'], "receiver": "watchdog"}]
    assert config["receivers"] == [
        {
            "name": "homelab-webhook",
            "webhook_configs": [
                {
                    "url": "http://alert-sink.alert-sink.svc.cluster.local:8080/alerts",
                    "send_resolved": True,
                }
            ],
        },
        {"name": "watchdog"},
    ]


def test_the_objects_the_stack_relies_on() -> None:
    objects = definitions()
    assert sorted(objects) == ["ConfigMap", "Deployment", "Service"]
    assert objects["ConfigMap"]["metadata"]["name"] == "alertmanager-config"
    pod = objects["Deployment"]["spec"]["template"]
    container = pod["spec"]["containers"][0]
    assert container["image"] == "{{ alertmanager_image }}"
    image = yaml.safe_load(PLAYBOOK.read_text())[0]["vars"]["alertmanager_image"]
    assert image == "homelab-acceptance/alertmanager:0.25.0-deb12"
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert "--cluster.listen-address=" in container["args"]
    assert "--storage.path=/alertmanager" in container["args"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/-/ready"
    assert "checksum/config" in pod["metadata"]["annotations"]
    service = objects["Service"]
    assert service["spec"]["type"] == "NodePort"
    assert service["spec"]["ports"][0]["nodePort"] == 30022
    assert service["metadata"]["annotations"] == {
        "prometheus.io/scrape": "true", "prometheus.io/port": "9093",
    }  # fmt: skip
    for obj in objects.values():
        assert obj["metadata"]["labels"].startswith("{{ labels"), obj["kind"]
