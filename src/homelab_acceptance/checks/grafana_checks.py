"""Grafana, end to end: healthy (its database too), every datasource's own health check OK,
and a query through Grafana's backend returning data from each Prometheus datasource."""

from __future__ import annotations

from typing import Any

from homelab_acceptance.probes.grafana import Grafana, query_error, values_in_frames
from homelab_acceptance.waiting import Observation, wait_for

#: A just-started Grafana may answer 503 or fail a datasource check for a few seconds.
GRAFANA_TIMEOUT_S = 60
#: Every Prometheus scrapes itself, so `up` has data wherever a datasource really works.
PROMETHEUS_PROBE_QUERY = "up"


def check_grafana_healthy(
    grafana: Grafana, evidence: dict[str, Any], timeout_s: float = GRAFANA_TIMEOUT_S
) -> None:
    def look() -> Observation:
        answer = grafana.health()
        database = answer.body.get("database") if isinstance(answer.body, dict) else None
        return Observation(
            answer.status == 200 and database == "ok",
            f"HTTP {answer.status}, database {database!r}",
        )

    evidence["health"] = wait_for(
        look, awaiting="Grafana /api/health: 200 with database ok", timeout_s=timeout_s
    ).seen


def declared_datasources(grafana: Grafana) -> list[dict[str, Any]]:
    answer = grafana.datasources()
    if answer.status in {401, 403}:
        raise AssertionError(
            f"Grafana refused the credentials (HTTP {answer.status}) for /api/datasources: "
            "check observability.grafana_admin_secret"
        )
    if answer.status != 200 or not isinstance(answer.body, list):
        raise AssertionError(f"Grafana /api/datasources: HTTP {answer.status}: {answer.short()}")
    assert answer.body, "Grafana has no datasources: the stack provisions none"
    return answer.body


def check_datasources_healthy(
    grafana: Grafana, evidence: dict[str, Any], timeout_s: float = GRAFANA_TIMEOUT_S
) -> None:
    sources = declared_datasources(grafana)
    evidence["datasources"] = [
        f"{s.get('name')} ({s.get('type')}, {s.get('uid')})" for s in sources
    ]

    def look() -> Observation:
        verdicts = {}
        for source in sources:
            answer = grafana.datasource_health(source["uid"])
            status = answer.body.get("status") if isinstance(answer.body, dict) else None
            message = answer.body.get("message") if isinstance(answer.body, dict) else None
            verdicts[source["name"]] = (status, f"{status or f'HTTP {answer.status}'}: {message}")
        evidence["health"] = {name: seen for name, (_, seen) in verdicts.items()}
        failing = [f"{name}: {seen}" for name, (status, seen) in verdicts.items() if status != "OK"]
        return Observation(not failing, "; ".join(failing) or "all OK")

    wait_for(look, awaiting="every Grafana datasource's health check OK", timeout_s=timeout_s)


def check_query_through_grafana(
    grafana: Grafana, evidence: dict[str, Any], timeout_s: float = GRAFANA_TIMEOUT_S
) -> None:
    sources = [s for s in declared_datasources(grafana) if s.get("type") == "prometheus"]
    assert sources, "Grafana has no Prometheus datasource to query through it"
    evidence["query"] = PROMETHEUS_PROBE_QUERY
    answers: dict[str, str] = {}
    evidence["answers"] = answers

    def look() -> Observation:
        empty = []
        for source in sources:
            answer = grafana.query(source, PROMETHEUS_PROBE_QUERY)
            error = query_error(answer)
            values = values_in_frames(answer) if error is None else []
            answers[source["name"]] = error or f"{len(values)} values, e.g. {values[:3]}"
            if not values:
                empty.append(f"{source['name']}: {answers[source['name']]}")
        return Observation(not empty, "; ".join(empty) or "data from every datasource")

    wait_for(
        look,
        awaiting=f"data for {PROMETHEUS_PROBE_QUERY!r} through Grafana from every Prometheus "
        "datasource",
        timeout_s=timeout_s,
    )
