"""acceptance.html opened in Debian's Chromium, headless, as a reviewer's browser would: the
rendered DOM shows the verdict and every check, the page logs nothing to the console, it makes
no request, and a screenshot shows a drawn page.

Console messages are read from Chromium's own log (`--enable-logging=stderr`: every message a
page logs, CSP violations and uncaught errors included, is a `:CONSOLE` line); requests from its
net log (`--log-net-log`: Chromium's own background calls have no origin, the page's have one).
A broken page run the same way proves both detectors see what they look for."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from homelab_acceptance.report.html import write_html

CHROMIUM = Path("/usr/bin/chromium")
SAMPLE = Path(__file__).parents[2] / "fixtures" / "reports" / "rejected-with-baseline.json"
HEADLESS = (
    *("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"),
    *("--disable-background-networking", "--disable-component-update", "--disable-sync"),
    # Nothing resolves: the test runs the same offline; a request is still logged when made.
    "--host-resolver-rules=MAP * ~NOTFOUND",
)
#: What Chromium's own requests (updates, accounts) carry as initiator; a page's have one.
BROWSER_ITSELF = "not an origin"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed at /usr/bin/chromium: apt-get install chromium",
)


@dataclass(frozen=True)
class Rendered:
    dom: str
    console: list[str]
    page_requests: list[str]


def chromium(workdir: Path, *arguments: str) -> str:
    """Run Chromium with its own profile in `workdir`; its log (stderr)."""
    completed = subprocess.run(
        [str(CHROMIUM), *HEADLESS, f"--user-data-dir={workdir / 'profile'}", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, f"chromium exited {completed.returncode}"
    return completed.stdout + "\n" + completed.stderr


def render(page: Path, workdir: Path) -> Rendered:
    net_log = workdir / "net-log.json"
    output = chromium(
        workdir,
        "--enable-logging=stderr",
        "--v=0",
        f"--log-net-log={net_log}",
        "--dump-dom",
        page.as_uri(),
    )
    dom = output[output.index("<html") : output.rindex("</html>") + len("</html>")]
    console = [line for line in output.splitlines() if ":CONSOLE" in line]
    return Rendered(dom, console, _page_requests(json.loads(net_log.read_text())))


def _page_requests(net_log: dict[str, Any]) -> list[str]:
    event_names = {number: name for name, number in net_log["constants"]["logEventTypes"].items()}
    return [
        event["params"]["url"]
        for event in net_log["events"]
        if event_names[event["type"]] == "URL_REQUEST_START_JOB"
        and "url" in event.get("params", {})
        and event["params"].get("initiator") != BROWSER_ITSELF
    ]


class DomReader(HTMLParser):
    """The rendered DOM's text, its elements and their link attributes."""

    def __init__(self, dom: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: set[str] = set()
        self.links: list[str] = []
        self.verdict = ""
        self.feed(dom)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.links += [value or "" for name, value in attrs if name in {"src", "href"}]
        if ("id", "verdict") in attrs:
            self.verdict = dict(attrs).get("data-verdict") or ""

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    results: dict[str, Any] = json.loads(SAMPLE.read_text())
    return results


@pytest.fixture(scope="module")
def page(sample: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "acceptance.html"
    write_html(sample, path)
    return path


@pytest.fixture(scope="module")
def rendered(page: Path, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    return render(page, tmp_path_factory.mktemp("chromium"))


def test_the_rendered_page_shows_the_verdict_and_every_check(
    rendered: Rendered, sample: dict[str, Any]
) -> None:
    dom = DomReader(rendered.dom)
    assert dom.verdict == "rejected"
    text = "".join(dom.text)
    assert "rejected" in text
    missing = [check["id"] for check in sample["checks"] if check["id"] not in text]
    assert not missing, f"checks not in the rendered page: {missing}"
    # The sample's evidence and messages hold markup: in a real browser it stayed text.
    assert "</script><img src=x onerror=alert(1)>" in text
    assert not dom.tags & {"script", "img", "iframe", "link", "object"}, dom.tags


def test_the_page_logs_nothing_to_the_console(rendered: Rendered) -> None:
    assert rendered.console == []


def test_the_page_requests_nothing(rendered: Rendered) -> None:
    assert rendered.page_requests == []
    links = DomReader(rendered.dom).links
    assert links, "the page links its checks by anchor"
    assert all(link.startswith("#") for link in links), links


def test_a_broken_page_would_be_seen_by_both_detectors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text(
        "<!DOCTYPE html><html><body><p>broken</p>"
        '<img src="http://report-asset.invalid/logo.png">'
        "<script>undefinedFunction()</script></body></html>"
    )
    seen = render(broken, tmp_path)
    assert any("Uncaught ReferenceError" in line for line in seen.console), seen.console
    assert seen.page_requests == ["http://report-asset.invalid/logo.png"]


def test_a_screenshot_shows_a_drawn_page(page: Path, tmp_path: Path) -> None:
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>")
    sizes = {}
    for source in (page, blank):
        shot = tmp_path / f"{source.stem}.png"
        chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", source.as_uri())
        header = shot.read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{shot} is not a PNG"
        assert (int.from_bytes(header[16:20]), int.from_bytes(header[20:24])) == (1280, 2000)
        sizes[source.stem] = shot.stat().st_size
    # A PNG compresses a blank window to almost nothing; text, tables and colour do not.
    assert sizes["acceptance"] > 5 * sizes["blank"], f"{sizes}: the page looks empty"
