"""junit.xml for CI systems: one testcase per check, its one-line message in the failure,
skipped or error element, its figures as properties and its evidence as JSON in system-out.
A retried check (--retries) carries its earlier attempts' failures as Maven Surefire writes
reruns, which Jenkins and GitLab read: a flaky check is a passing testcase with one
flakyFailure per failed attempt, a failed one has a rerunFailure per earlier attempt.
Written from the report's data, apart from pytest's own --junitxml."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from homelab_acceptance.report.atomic import write_redacted
from homelab_acceptance.report.checks import CONFIRMED_LIMITATION, ERROR, FAILED, FLAKY, SKIPPED
from homelab_acceptance.report.figures import numeric_figures
from homelab_acceptance.report.redaction import Redactor

#: Characters XML 1.0 cannot carry (a tool's colour codes in evidence would break the file).
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_ELEMENT_OF = {FAILED: "failure", ERROR: "error", SKIPPED: "skipped"}


#: The bundle's files a CI viewer is handed as attachments (`[[ATTACHMENT|path]]`, as the
#: Jenkins junit-attachments plugin and GitLab read them from system-out).
ATTACHED = ("README.txt", "events.txt", "evidence.json")


def write_junit_xml(results: dict[str, Any], path: Path, redactor: Redactor) -> None:
    root = junit_tree(redactor.redact(results), report_dir=path.parent)
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
    write_redacted(path, text, redactor)


def junit_tree(results: dict[str, Any], report_dir: Path | None = None) -> ET.Element:
    checks = results["checks"]
    counts = {
        "tests": str(len(checks)),
        "failures": str(results["summary"][FAILED]),
        "errors": str(results["summary"][ERROR]),
        "skipped": str(results["summary"][SKIPPED]),
        "time": str(results["environment"]["duration_s"]),
    }
    root = ET.Element("testsuites", {"name": "homelab-acceptance", **counts})
    suite = ET.SubElement(
        root,
        "testsuite",
        {"name": "homelab-acceptance", "timestamp": results["environment"]["started_at"], **counts},
    )
    for check in checks:
        suite.append(_testcase(check, report_dir))
    return root


def _testcase(check: dict[str, Any], report_dir: Path | None) -> ET.Element:
    case = ET.Element(
        "testcase",
        {
            "classname": _module_of(check["id"]),
            "name": _xml(check["id"]),
            "time": str(check["duration_s"]),
        },
    )
    properties = ET.SubElement(case, "properties")
    _property(properties, "requirement", check["requirement"])
    _property(properties, "status", check["status"])
    for figure, value in numeric_figures(check["evidence"]).items():
        _property(properties, figure, f"{value:g}")
    element = _ELEMENT_OF.get(check["status"])
    if element is not None:
        message = _xml(check["message"])
        ET.SubElement(case, element, {"message": message}).text = message
    elif check["status"] == CONFIRMED_LIMITATION:
        _property(properties, "confirmed", _xml(check["message"]))
    rerun = "flakyFailure" if check["status"] == FLAKY else "rerunFailure"
    for attempt in check.get("attempts", []):
        message = _xml(attempt)
        ET.SubElement(case, rerun, {"message": message, "type": check["status"]}).text = message
    out = json.dumps(check["evidence"], indent=2)
    if check.get("artifacts") and report_dir is not None:
        bundle = report_dir / check["artifacts"]
        out += "".join(f"\n[[ATTACHMENT|{bundle / name}]]" for name in ATTACHED)
    ET.SubElement(case, "system-out").text = _xml(out)
    return case


def _property(properties: ET.Element, name: str, value: str) -> None:
    ET.SubElement(properties, "property", {"name": _xml(name), "value": _xml(value)})


def _module_of(check_id: str) -> str:
    """`suites/test_stack.py::test_x[y]` → `suites.test_stack`."""
    return _xml(check_id.split("::", 1)[0].removesuffix(".py").replace("/", "."))


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
