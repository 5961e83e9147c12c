"""An alert round trip's timeline (checks/alerts.py, evidence["timeline_s"]: each step's seconds
since the cause) in the shape the disruption timeline draws: one row, the alert, red while it
was firing in Prometheus, and a dashed marker for every other step (pending, in Alertmanager,
notified, the cause undone, resolved, resolved-notified)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Drawn as the row itself, not as markers.
_ROW_STEPS = ("cause", "firing", "resolved")


def alert_timeline_evidence(evidence: Mapping[str, Any]) -> dict[str, Any] | None:
    """The evidence html_timeline draws for an alert round trip; None when there is none."""
    steps = evidence.get("timeline_s")
    if not isinstance(steps, Mapping) or "firing" not in steps:
        return None
    fired, resolved = steps["firing"], steps.get("resolved")
    # Not resolved: firing at least until the last step seen.
    last = resolved if resolved is not None else max(steps.values())
    figures = {
        "state": "firing",
        "first_failure_s": fired,
        "last_failure_s": last,
        "downtime_s": round(last - fired, 1),
        "recovered_after_s": resolved,
    }
    markers = {
        f"{step}_after_s": seconds for step, seconds in steps.items() if step not in _ROW_STEPS
    }
    return {"availability": {"the alert": figures}, **markers}
