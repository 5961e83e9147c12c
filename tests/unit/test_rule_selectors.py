"""The rule-selector check's reading of Prometheus's parse tree (/api/v1/parse_query): every
vector and matrix selector found, in order, and written back as PromQL to ask for. The check
itself runs against a real Prometheus in the suites (suites/test_observability.py) and is
turned red by the broken-alert-expression variant (tests/integration/test_detection_power.py)."""

from __future__ import annotations

from typing import Any

from homelab_acceptance.checks.rule_selectors import Selector, selectors_of


def matcher(name: str, value: str, kind: str = "=") -> dict[str, str]:
    return {"name": name, "value": value, "type": kind}


#: What Prometheus 3.16 answers for
#: (sum(up{job="sample-app"}) or vector(0)) == 0
#:   or min(rate(probe_success{instance=~".*a.*"}[1m])) == 0
TREE: dict[str, Any] = {
    "type": "binaryExpr",
    "op": "or",
    "lhs": {
        "type": "binaryExpr",
        "op": "==",
        "lhs": {
            "type": "parenExpr",
            "expr": {
                "type": "binaryExpr",
                "op": "or",
                "lhs": {
                    "type": "aggregation",
                    "op": "sum",
                    "expr": {
                        "type": "vectorSelector",
                        "name": "up",
                        "matchers": [matcher("job", "sample-app"), matcher("__name__", "up")],
                    },
                },
                "rhs": {"type": "call", "func": {"name": "vector"}, "args": [
                    {"type": "numberLiteral", "val": "0"}
                ]},
            },
        },
        "rhs": {"type": "numberLiteral", "val": "0"},
    },
    "rhs": {
        "type": "binaryExpr",
        "op": "==",
        "lhs": {"type": "aggregation", "op": "min", "expr": {"type": "call", "args": [{
            "type": "matrixSelector",
            "name": "probe_success",
            "range": 60000,
            "matchers": [matcher("instance", ".*a.*", "=~"), matcher("__name__", "probe_success")],
        }]}},
        "rhs": {"type": "numberLiteral", "val": "0"},
    },
}  # fmt: skip


def test_every_selector_of_the_tree_is_found_in_order() -> None:
    found = list(selectors_of(TREE))
    assert [s.metric for s in found] == ["up", "probe_success"]
    assert found[1].matchers == (("instance", "=~", ".*a.*"), ("__name__", "=", "probe_success"))


def test_a_selector_is_asked_for_with_every_matcher_and_shown_as_written() -> None:
    selector = Selector((("job", "=", 'say "hi"'), ("__name__", "=", "up")))
    assert selector.promql() == '{job="say \\"hi\\"",__name__="up"}'
    assert selector.shown() == 'up{job="say \\"hi\\""}'


def test_a_selector_without_a_metric_name_is_shown_by_its_matchers() -> None:
    selector = Selector((("__name__", "=~", "node_.*"),))
    assert selector.metric is None
    assert selector.shown() == '{__name__=~"node_.*"}'


def test_an_expression_without_selectors_has_none() -> None:
    assert list(selectors_of({"type": "call", "args": [{"type": "numberLiteral"}]})) == []
