"""Which receivers Alertmanager's routing tree sends an alert to, worked out on the live
configuration (GET /api/v2/status, config.original) as Alertmanager's dispatcher does
(dispatch/route.go, `Route.Match`): a route matches when all its matchers do; its children are
tried in order, and the first that matches ends the search unless it says `continue`; a route
no child of which matches is where the alert goes; a route without a receiver has its
parent's. `amtool config routes test` answers the same question from a file.

Used for a declared alert without a cause: nothing makes it fire, so its `receiver` is checked
against the routing of the labels its rule sets (the rule's own labels and its alertname:
labels that come from the series its expression returns are not known before it fires)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_MATCHER = re.compile(r"^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$")


@dataclass(frozen=True)
class Matcher:
    label: str
    operator: str
    value: str

    def matches(self, labels: dict[str, str]) -> bool:
        have = labels.get(self.label, "")
        if self.operator == "=":
            return have == self.value
        if self.operator == "!=":
            return have != self.value
        found = re.fullmatch(self.value, have) is not None
        return found if self.operator == "=~" else not found


def parse_matcher(text: str) -> Matcher:
    """One matcher of a route's `matchers:` (`severity="critical"`, `alertname=~"A|B"`)."""
    found = _MATCHER.match(text)
    if found is None:
        raise ValueError(f"not an Alertmanager matcher: {text!r}")
    label, operator, value = found.groups()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = bytes(value[1:-1], "utf-8").decode("unicode_escape")
    return Matcher(label, operator, value)


def route_matchers(route: dict[str, Any]) -> list[Matcher]:
    """A route's matchers: `matchers:` and the older `match:` / `match_re:`."""
    found = [parse_matcher(m) for m in route.get("matchers") or []]
    found += [Matcher(k, "=", str(v)) for k, v in (route.get("match") or {}).items()]
    found += [Matcher(k, "=~", str(v)) for k, v in (route.get("match_re") or {}).items()]
    return found


def receivers_for(config: dict[str, Any], labels: dict[str, str]) -> list[str]:
    """The receivers the config's routing tree sends an alert with `labels` to, in order."""
    root = config.get("route") or {}
    return [receiver for receiver, _ in _match(root, labels, inherited="", is_root=True)]


def _match(
    route: dict[str, Any], labels: dict[str, str], *, inherited: str, is_root: bool = False
) -> list[tuple[str, dict[str, Any]]]:
    if not is_root and not all(m.matches(labels) for m in route_matchers(route)):
        return []
    receiver = str(route.get("receiver") or inherited)
    found: list[tuple[str, dict[str, Any]]] = []
    for child in route.get("routes") or []:
        matched = _match(child, labels, inherited=receiver)
        found += matched
        if matched and not child.get("continue", False):
            break
    return found or [(receiver, route)]
