"""A metric check stops waiting once every scrape target of the component's namespace has
failed two scrapes in a row while it looked (Prometheus's lastScrape tells the scrapes apart);
one target up, a target of another namespace, or a single failed scrape keeps it waiting."""

from __future__ import annotations

from typing import Any

from homelab_acceptance.checks.metrics import FailingScrapes


class TargetsSeen:
    """Stands in for Prometheus's /api/v1/targets: each call answers the next listed state."""

    def __init__(self, *answers: list[dict[str, Any]]) -> None:
        self.answers = list(answers)

    def targets(self) -> list[dict[str, Any]]:
        return self.answers.pop(0)


def target(namespace: str, health: str, last_scrape: str, url: str = "http://a:8081/m") -> Any:
    return {
        "labels": {"namespace": namespace},
        "scrapeUrl": url,
        "health": health,
        "lastScrape": last_scrape,
        "lastError": "connection refused" if health == "down" else "",
    }


def watch(*answers: list[dict[str, Any]]) -> list[list[str] | None]:
    scrapes = FailingScrapes(TargetsSeen(*answers), "apps")  # type: ignore[arg-type]
    return [scrapes.all_failed_twice() for _ in answers]


def test_a_target_failing_two_scrapes_in_a_row_is_named_with_its_error() -> None:
    seen = watch(
        [target("apps", "down", "t1")],
        [target("apps", "down", "t1")],
        [target("apps", "down", "t2")],
    )
    assert seen == [None, None, ["http://a:8081/m: connection refused"]]


def test_a_target_that_comes_up_between_failures_starts_again() -> None:
    seen = watch(
        [target("apps", "down", "t1")],
        [target("apps", "up", "t2")],
        [target("apps", "down", "t3")],
    )
    assert seen == [None, None, None]


def test_one_target_up_keeps_the_check_waiting() -> None:
    both = [
        [target("apps", "down", "t1"), target("apps", "up", "t1", url="http://b:8080/m")],
        [target("apps", "down", "t2"), target("apps", "up", "t2", url="http://b:8080/m")],
    ]
    assert watch(*both) == [None, None]


def test_targets_of_other_namespaces_do_not_count() -> None:
    assert watch([target("other", "down", "t1")], [target("other", "down", "t2")]) == [None, None]
