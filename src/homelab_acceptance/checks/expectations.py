"""The expectations a stack spec declares, as checkable items with readable ids
(`sample-app/endpoint/sample-app:8080/healthz`), one per expectation: the plugin turns each
into a pytest item, selectable with `-k` and by marker (endpoint, metric, log, alert)."""

from __future__ import annotations

from dataclasses import dataclass

from homelab_acceptance.spec import Alert, Component, Endpoint, LogLine, Metric, Stack

KINDS = ("endpoint", "metric", "log", "alert")


@dataclass(frozen=True)
class Expectation:
    component: Component
    kind: str
    item: Endpoint | Metric | LogLine | Alert

    @property
    def id(self) -> str:
        item = self.item
        if isinstance(item, Endpoint):
            what = f"{item.service}:{item.port}{item.path}"
        elif isinstance(item, Metric):
            what = item.query
        elif isinstance(item, LogLine):
            what = f"{item.selector} |= {item.contains}"
        else:
            what = item.name
        return f"{self.component.name}/{self.kind}/{what}"


def expectations_of(stack: Stack, kind: str) -> list[Expectation]:
    """The stack's expectations of one kind, in the spec's order."""
    return [
        Expectation(component, kind, item)
        for component in stack.components
        for item in _declared(component, kind)
    ]


def _declared(component: Component, kind: str) -> tuple[Endpoint | Metric | LogLine | Alert, ...]:
    expect = component.expect
    if kind == "endpoint":
        return expect.endpoints
    if kind == "metric":
        return expect.metrics
    if kind == "log":
        return expect.logs
    if kind == "alert":
        return expect.alerts
    raise ValueError(f"no expectation kind {kind!r} (kinds: {', '.join(KINDS)})")
