"""A declared log line: a LogQL query on the declared stream selector finds a line containing
the declared text within its deadline (Loki through the service proxy; `query_range` with a
line filter, since Loki's instant query refuses log selectors)."""

from __future__ import annotations

import json
import time
from typing import Any

from homelab_acceptance.probes.service_proxy import ServiceProxy
from homelab_acceptance.spec import LogLine
from homelab_acceptance.waiting import Observation, wait_for


def logql(line: LogLine) -> str:
    return f"{line.selector} |= {json.dumps(line.contains)}"


def check_log_line(loki: ServiceProxy, line: LogLine, evidence: dict[str, Any]) -> None:
    query = logql(line)
    evidence["query"] = query

    def look() -> Observation:
        now_ns = time.time_ns()
        answer = loki.get_json(
            "/loki/api/v1/query_range",
            {
                "query": query,
                "start": str(now_ns - 3600 * 10**9),
                "end": str(now_ns + 5 * 10**9),
                "limit": "5",
                "direction": "backward",
            },
        )
        streams = answer.get("data", {}).get("result", [])
        lines = [value[1] for stream in streams for value in stream.get("values", [])]
        if not lines:
            return Observation(False, "no matching line")
        return Observation(True, lines[0][:200])

    evidence["line"] = wait_for(
        look, awaiting=f"a log line for {query}", timeout_s=line.within_s, poll_s=2
    ).seen
