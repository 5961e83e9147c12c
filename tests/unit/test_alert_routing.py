"""The routing tree worked out as Alertmanager's dispatcher does: children in order, the
first match ends the search unless it says `continue`, a receiver inherited from the parent,
`matchers`, `match` and `match_re` all honoured, regular expressions anchored."""

from __future__ import annotations

from typing import Any

import pytest

from homelab_acceptance.checks.alert_routing import parse_matcher, receivers_for

CONFIG: dict[str, Any] = {
    "route": {
        "receiver": "homelab-webhook",
        "routes": [
            {"matchers": ['alertname="Watchdog"'], "receiver": "watchdog"},
            {"match": {"severity": "critical"}, "receiver": "pager", "continue": True},
            {"match_re": {"alertname": "Node.*"}, "routes": [{"matchers": ["team!=infra"]}]},
            {"matchers": ['severity=~"critical|warning"'], "receiver": "chat"},
        ],
    }
}


@pytest.mark.parametrize(
    ("labels", "receivers"),
    [
        ({"alertname": "Watchdog", "severity": "critical"}, ["watchdog"]),
        ({"alertname": "SampleAppDown", "severity": "critical"}, ["pager", "chat"]),
        ({"alertname": "NodeDiskFull", "team": "apps"}, ["homelab-webhook"]),
        ({"alertname": "XNodeDiskFull"}, ["homelab-webhook"]),
        ({"alertname": "TargetDown", "severity": "warning"}, ["chat"]),
    ],
)
def test_the_alert_goes_where_alertmanager_sends_it(
    labels: dict[str, str], receivers: list[str]
) -> None:
    assert receivers_for(CONFIG, labels) == receivers


def test_a_quoted_matcher_value_is_unquoted() -> None:
    matcher = parse_matcher('summary = "say \\"hi\\""')
    assert (matcher.label, matcher.operator, matcher.value) == ("summary", "=", 'say "hi"')


def test_what_is_no_matcher_is_refused() -> None:
    with pytest.raises(ValueError, match="not an Alertmanager matcher"):
        parse_matcher("severity")
