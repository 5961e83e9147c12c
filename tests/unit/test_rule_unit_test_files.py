"""The files `promtool test rules` gets in the Prometheus pod: the loaded rule groups written
back as rule files (from /api/v1/rules), and the stack's test file with its `rule_files`
replaced by them. The run itself is in the suites (suites/test_observability.py), turned red by
the broken-alert-expression variant (tests/integration/test_detection_power.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from homelab_acceptance.checks.rule_unit_tests import (
    loaded_rule_files,
    promtool_file_on_loaded_rules,
)


class RulesSeen:
    def __init__(self, groups: list[dict[str, Any]]) -> None:
        self.groups = groups

    def rule_groups(self) -> list[dict[str, Any]]:
        return self.groups


GROUPS = [
    {
        "name": "homelab",
        "file": "/etc/prometheus/alerts.yml",
        "interval": 5,
        "rules": [
            {
                "type": "alerting",
                "name": "TargetDown",
                "query": "up == 0",
                "duration": 30,
                "keepFiringFor": 0,
                "labels": {"severity": "warning"},
                "annotations": {"summary": "{{ $labels.job }} is down"},
            },
            {"type": "recording", "name": "job:up:sum", "query": "sum by (job) (up)"},
        ],
    }
]


def test_the_loaded_groups_are_written_back_as_a_rule_file() -> None:
    files = loaded_rule_files(RulesSeen(GROUPS))  # type: ignore[arg-type]
    assert list(files) == ["loaded-0.yml"]
    assert yaml.safe_load(files["loaded-0.yml"]) == {
        "groups": [
            {
                "name": "homelab",
                "rules": [
                    {
                        "alert": "TargetDown",
                        "expr": "up == 0",
                        "for": "30s",
                        "labels": {"severity": "warning"},
                        "annotations": {"summary": "{{ $labels.job }} is down"},
                    },
                    {"record": "job:up:sum", "expr": "sum by (job) (up)"},
                ],
                "interval": "5s",
            }
        ]
    }


def test_the_test_files_own_rule_files_are_replaced(tmp_path: Path) -> None:
    tests = tmp_path / "t.yaml"
    tests.write_text("rule_files: [mine.yml]\ntests: [{interval: 5s}]\n", encoding="utf-8")
    written = yaml.safe_load(promtool_file_on_loaded_rules(tests, ["loaded-0.yml"]))
    assert written == {"rule_files": ["loaded-0.yml"], "tests": [{"interval": "5s"}]}


def test_a_file_without_tests_is_refused(tmp_path: Path) -> None:
    tests = tmp_path / "t.yaml"
    tests.write_text("groups: []\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a promtool rule test file"):
        promtool_file_on_loaded_rules(tests, [])
