"""acceptance.html read back with Python's HTML parser: the verdict, every check and requirement,
the baseline block and the drawn timelines are where a reviewer looks for them; hostile text in
the results stays text; the page fetches nothing.

The sample results (fixtures/reports) conform to the published results schema, so the page is
tested on the shape the harness writes."""

from __future__ import annotations

import copy
import json
import re
import stat
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from homelab_acceptance.report.html import render_html, write_html
from homelab_acceptance.report.schema import schema_problem

SAMPLE = Path(__file__).parents[2] / "fixtures" / "reports" / "rejected-with-baseline.json"
HOSTILE = '</script><img src=x onerror=alert(1)>" onmouseover="alert(2)'
RESTART = "test_a_node_restart_takes_every_component_down_and_back_within_the_budgets"
#: Everything the page is allowed to be made of: no script, image, frame, link or form.
ALLOWED_TAGS = {
    *("html", "head", "meta", "title", "style", "body", "main", "header", "section", "article"),
    *("h1", "h2", "h3", "p", "div", "span", "ul", "li", "a", "code", "pre", "details", "summary"),
    *("table", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd", "br", "strong"),
    *("figure", "figcaption", "svg", "g", "rect", "line", "text"),
}
VOID = {"meta", "br"}


class Element:
    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag, self.attrs = tag, attrs
        self.text = ""
        self.children: list[Element] = []

    def find_all(self, tag: str, **attrs: str) -> list[Element]:
        found = [e for e in self.children if e.tag == tag and _matches(e, attrs)]
        for child in self.children:
            found += child.find_all(tag, **attrs)
        return found

    def only(self, tag: str, **attrs: str) -> Element:
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"{len(found)} <{tag} {attrs}> found, one expected"
        return found[0]


def _matches(element: Element, attrs: dict[str, str]) -> bool:
    wanted = {key.rstrip("_").replace("_", "-"): value for key, value in attrs.items()}
    classes = element.attrs.get("class", "").split()
    return all(
        value in classes if key == "class" else element.attrs.get(key) == value
        for key, value in wanted.items()
    )


class PageParser(HTMLParser):
    """A tree of the page; every element's `text` holds all the text inside it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.open: list[Element] = [self.root]
        self.tags: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.open[-1].children.append(element)
        self.tags.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.open.pop()

    def handle_endtag(self, tag: str) -> None:
        assert self.open[-1].tag == tag, f"</{tag}> closes <{self.open[-1].tag}>"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element.text += data


def parse(results: dict[str, Any]) -> PageParser:
    parser = PageParser()
    parser.feed(render_html(results))
    parser.close()
    assert [e.tag for e in parser.open] == ["#document"], "elements left open"
    return parser


@pytest.fixture
def sample() -> dict[str, Any]:
    results: dict[str, Any] = json.loads(SAMPLE.read_text())
    return results


def healthy(results: dict[str, Any]) -> dict[str, Any]:
    """The sample with every failing check passed, and no baseline."""
    results = copy.deepcopy(results)
    for item in results["checks"] + results["requirements"]:
        if item["status"] in {"failed", "error"}:
            item["status"] = "passed"
    results.update(verdict="accepted", exit_code=0, baseline=None)
    return results


def test_the_sample_conforms_to_the_published_schema(sample: dict[str, Any]) -> None:
    assert schema_problem(sample) is None


def test_the_verdict_leads_the_page_with_its_counts(sample: dict[str, Any]) -> None:
    page = parse(sample).root
    verdict = page.only("section", id="verdict")
    assert verdict.attrs["data-verdict"] == "rejected"
    assert verdict.only("div", class_="word").text == "rejected"
    assert "exit code 1" in verdict.text
    counts = [" ".join(li.text.split()) for li in verdict.find_all("li")]
    assert counts == [
        *("✓ passed 5", "✗ failed 1", "! error 1", "○ skipped 1", "◆ confirmed limitation 4")
    ]
    assert page.only("head").only("title").text == "Homelab acceptance: rejected"


def test_every_check_has_its_entry_with_status_id_duration_and_message(
    sample: dict[str, Any],
) -> None:
    page = parse(sample).root
    entries = page.find_all("article", class_="check")
    assert len(entries) == len(sample["checks"])
    by_id = {e.only("code", class_="check-id").text: e for e in entries}
    for check in sample["checks"]:
        entry = by_id[check["id"]]
        assert entry.attrs["data-status"] == check["status"]
        assert check["title"] in entry.text
        assert check["message"] in entry.text
    log_line = next(c for c in sample["checks"] if c["status"] == "failed")
    assert "30.02 s" in by_id[log_line["id"]].text
    assert "1 min 36 s" in by_id[next(i for i in by_id if RESTART in i)].text


def test_a_failed_checks_evidence_is_open_and_pretty(sample: dict[str, Any]) -> None:
    entries = parse(sample).root.find_all("article", class_="check")
    failed = next(e for e in entries if e.attrs["data-status"] == "failed")
    details = failed.only("details")
    assert "open" in details.attrs
    assert details.only("summary").text == "Evidence: query, answer"
    evidence = json.loads(details.only("pre").text)
    assert evidence["query"] == '{app="sample-app"} |= "ready"'
    passed = next(e for e in entries if e.attrs["data-status"] == "passed")
    assert "open" not in passed.only("details").attrs
    skipped = next(e for e in entries if e.attrs["data-status"] == "skipped")
    assert skipped.find_all("details") == []
    assert "No evidence recorded." in skipped.text


def test_the_requirements_table_lists_each_with_status_and_linked_checks(
    sample: dict[str, Any],
) -> None:
    page = parse(sample).root
    rows = page.only("table", class_="requirements").find_all("tr", class_="requirement")
    assert [r.attrs["data-requirement"] for r in rows] == [r["id"] for r in sample["requirements"]]
    anchors = {e.attrs["id"] for e in page.find_all("article", class_="check")}
    for row, requirement in zip(rows, sample["requirements"], strict=True):
        cells = row.find_all("td")
        assert requirement["title"] in cells[0].text
        assert cells[1].text == requirement["kind"]
        assert cells[2].only("span", class_="badge").attrs["class"].split()[1] == (
            f"s-{requirement['status']}"
        )
        links = cells[3].find_all("a")
        assert [a.attrs["title"] for a in links] == requirement["checks"]
        assert {a.attrs["href"].removeprefix("#") for a in links} <= anchors


def test_confirmed_limitations_show_as_such_not_as_failures(sample: dict[str, Any]) -> None:
    page = parse(sample).root
    row = page.only("tr", data_requirement="single-point-of-failure")
    assert row.find_all("td")[1].text == "limitation"
    assert "confirmed limitation" in row.find_all("td")[2].text
    attention = page.only("section", id="attention")
    assert all("limitation" not in li.text for li in attention.find_all("li"))
    assert len(attention.find_all("li")) == 2


def test_a_healthy_run_has_nothing_needing_attention_and_no_baseline(
    sample: dict[str, Any],
) -> None:
    page = parse(healthy(sample)).root
    assert page.only("section", id="verdict").attrs["data-verdict"] == "accepted"
    assert page.find_all("section", id="attention") == []
    assert page.find_all("section", id="baseline") == []


def test_a_run_that_could_not_start_still_renders_what_it_knows() -> None:
    results = {
        "schema_version": "1",
        "verdict": "error",
        "exit_code": 2,
        "summary": {"passed": 0, "failed": 0, "skipped": 0, "error": 0},
        "environment": {"provider": "debian://", "kubernetes_version": None, "duration_s": 3.2},
        "requirements": [],
        "checks": [],
        "baseline": None,
    }
    page = parse(results).root
    assert page.only("section", id="verdict").attrs["data-verdict"] == "error"
    assert "No requirement was checked." in page.only("section", id="requirements").text
    environment = page.only("dl", class_="environment")
    labels, values = ([e.text for e in environment.find_all(tag)] for tag in ("dt", "dd"))
    shown = dict(zip(labels, values, strict=True))
    assert shown["Kubernetes"] == "unknown"
    assert shown["Duration"] == "3.20 s"
    assert page.only("section", id="checks").find_all("article") == []


def test_a_check_of_no_listed_requirement_is_still_shown(sample: dict[str, Any]) -> None:
    sample["checks"][0]["requirement"] = "not-in-the-table"
    sample["checks"][-1]["requirement"] = "nor-this-one"
    section = parse(sample).root.only("section", id="checks")
    headings = [h3.text for h3 in section.find_all("h3")]
    assert headings.count("Other checks") == 1
    assert headings[-1] == "Other checks"
    assert len(section.find_all("article")) == len(sample["checks"])


def test_the_baseline_block_shows_regressions_new_failures_and_fixes(
    sample: dict[str, Any],
) -> None:
    page = parse(sample).root
    baseline = page.only("section", id="baseline")
    assert "reports/baseline/results.json" in baseline.text
    regressions = baseline.only("table", class_="baseline-regressions").find_all("tr")[1:]
    cells = [" ".join(td.text.split()) for td in regressions[0].find_all("td")]
    assert cells[1:] == ["availability.sample-app:/healthz.downtime_s", "15.3→21", "+5.70 (+37%)"]
    new_failures = baseline.only("ul", class_="baseline-new_failures").find_all("a")
    assert [a.attrs["title"] for a in new_failures] == sample["baseline"]["new_failures"]
    assert "None:" in baseline.only("p", class_="baseline-fixed").text
    removed = baseline.only("ul", class_="baseline-removed_checks")
    assert removed.find_all("a") == [], "a removed check has no entry to link to"
    assert removed.only("code").text == sample["baseline"]["removed_checks"][0]


def test_a_restart_timeline_draws_one_row_per_target_on_one_axis(
    sample: dict[str, Any],
) -> None:
    entries = parse(sample).root.find_all("article", class_="check")
    restart = next(e for e in entries if RESTART in e.only("code", class_="check-id").text)
    svg = restart.only("svg")
    targets = [t.text for t in svg.find_all("text", class_="tl-target")]
    availability = next(c for c in sample["checks"] if RESTART in c["id"])["evidence"][
        "availability"
    ]
    assert targets == list(availability)
    figures = [t.text for t in svg.find_all("text", class_="tl-figure")]
    assert figures == ["down 12.4 s", "down 21 s", "down 27.5 s", "never down"]
    bars = svg.find_all("rect", class_="tl-down")
    assert len(bars) == 3, "the target that never failed has no down window"
    # One axis for all rows: each bar spans from the first to the last failure, to scale.
    ticks = {t.text: float(t.attrs["x"]) for t in svg.find_all("text", class_="tl-tick")}
    per_second = (ticks["10 s"] - ticks["0 s"]) / 10
    for bar, figures_of in zip(bars, list(availability.values())[:3], strict=True):
        assert float(bar.attrs["x"]) == pytest.approx(
            ticks["0 s"] + figures_of["first_failure_s"] * per_second, abs=0.2
        )
        span = figures_of["last_failure_s"] - figures_of["first_failure_s"]
        assert float(bar.attrs["width"]) == pytest.approx(span * per_second, abs=0.2)
    assert "30 s" in ticks, "the axis reaches past the last recovery (27.9 s)"
    labels = [t.text for t in svg.find_all("text", class_="tl-marker-label")]
    assert labels == ["0 s: disruption", "node ready 16.2 s"]
    marker = svg.only("line", class_="tl-marker")
    assert float(marker.attrs["x1"]) == pytest.approx(ticks["0 s"] + 16.2 * per_second, abs=0.2)


def test_a_drain_timeline_draws_its_single_target_and_a_target_still_down(
    sample: dict[str, Any],
) -> None:
    drain = next(c for c in sample["checks"] if "draining" in c["id"])
    drain["evidence"]["availability"].update(recovered_after_s=None, last_failure_s=9.0)
    entries = parse(sample).root.find_all("article", class_="check")
    svg = next(e for e in entries if e.attrs["data-status"] and "draining" in e.text).only("svg")
    assert svg.only("text", class_="tl-target").text == "probed target"
    assert svg.only("text", class_="tl-figure").text == "down 7.6 s, not back"
    bar = svg.only("rect", class_="tl-still-down")
    plot = svg.only("rect", class_="tl-plot")
    assert float(bar.attrs["x"]) + float(bar.attrs["width"]) == pytest.approx(
        float(plot.attrs["x"]) + float(plot.attrs["width"]), abs=0.2
    ), "a target still down when probing stopped is drawn down to the axis end"
    assert "uncordoned 5.4 s" in svg.text
    assert "not back when probing stopped" in svg.attrs["aria-label"]


#: What the page switches on (their values come from the harness, not from a tool's answer).
UNTOUCHED = {"verdict", "status", "kind"}


def _poisoned(value: Any, key: str = "") -> Any:
    """Every string in the results with hostile markup appended, but the ones in UNTOUCHED."""
    if isinstance(value, str):
        return value if key in UNTOUCHED else value + HOSTILE
    if isinstance(value, dict):
        return {k: _poisoned(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_poisoned(v, key) for v in value]
    return value


def poisoned(results: dict[str, Any]) -> dict[str, Any]:
    """The results poisoned, down to evidence keys and the names of probed targets."""
    results = _poisoned(results)
    for check in results["checks"]:
        check["evidence"][HOSTILE] = "a key from a tool's answer"
        availability = check["evidence"].get("availability", {})
        if "downtime_s" not in availability:
            check["evidence"]["availability"] = {t + HOSTILE: f for t, f in availability.items()}
    return results


def test_hostile_text_in_the_results_stays_text(sample: dict[str, Any]) -> None:
    hostile = poisoned(sample)
    parsed = parse(hostile)
    unexpected = {e.tag for e in parsed.tags} - ALLOWED_TAGS
    assert not unexpected, f"markup from the results became elements: {unexpected}"
    handlers = [(e.tag, a) for e in parsed.tags for a in e.attrs if a.startswith("on")]
    assert not handlers, f"attributes from the results became event handlers: {handlers}"
    page = parsed.root
    for check in hostile["checks"]:
        assert HOSTILE in check["id"]
        entry = page.only("article", id=_anchor_of(page, check["id"]))
        assert entry.only("code", class_="check-id").text == check["id"]
        assert check["message"] in entry.text
    assert HOSTILE in page.only("section", id="baseline").text
    assert HOSTILE in page.only("dl", class_="environment").text
    label = page.find_all("text", class_="tl-target")[0]
    assert label.text.endswith("…"), "a long target name is shortened on the axis"
    assert HOSTILE in page.find_all("svg")[0].find_all("title")[0].text, "kept whole in a title"


def _anchor_of(page: Element, check_id: str) -> str:
    links = [a for a in page.find_all("a") if a.attrs.get("title") == check_id]
    assert links, f"no link to {check_id!r}"
    return links[0].attrs["href"].removeprefix("#")


def test_the_page_fetches_nothing(sample: dict[str, Any]) -> None:
    parsed = parse(poisoned(sample))
    for element in parsed.tags:
        for name in ("src", "href", "xlink:href", "action", "srcset", "data"):
            value = element.attrs.get(name)
            assert value is None or value.startswith("#"), f"<{element.tag} {name}={value!r}>"
    policy = parsed.root.only("meta", http_equiv="Content-Security-Policy").attrs["content"]
    assert "default-src 'none'" in policy
    style = parsed.root.only("style").text
    assert not re.search(r"url\(|@import", style), "the stylesheet fetches nothing"


def test_write_html_replaces_the_page_whole_and_leaves_no_temporary_file(
    sample: dict[str, Any], tmp_path: Path
) -> None:
    page = tmp_path / "reports" / "acceptance.html"
    write_html(sample, page)
    write_html(healthy(sample), page)
    assert [p.name for p in page.parent.iterdir()] == ["acceptance.html"]
    assert 'data-verdict="accepted"' in page.read_text(encoding="utf-8")
    assert stat.S_IMODE(page.stat().st_mode) == 0o644
