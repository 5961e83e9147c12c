"""Stack findings: a :latest or untagged image fails naming file, line and component; an
invalid spec fails with load_stack's line."""

from __future__ import annotations

from pathlib import Path

import pytest

from homelab_acceptance.doctor.findings import Level
from homelab_acceptance.doctor.stack_checks import (
    ComponentFacts,
    ImageRef,
    StackFacts,
    gather_stack,
    image_tag_findings,
    spec_finding,
    unpinned_reason,
)

STACK = """\
apiVersion: homelab-acceptance/v1
kind: Stack
components:
  - name: web
    provisioner: manifests
    source: web
    images:
      - name: {image}
"""


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        ("homelab/app:1.0", None),
        ("registry.local:5000/app:1.0", None),
        ("app@sha256:" + "a" * 64, None),
        ("homelab/app:latest", ":latest"),
        ("homelab/app", "no tag, so :latest"),
        ("registry.local:5000/app", "no tag, so :latest"),
    ],
)
def test_unpinned_reason(image: str, reason: str | None) -> None:
    assert unpinned_reason(image) == reason


def test_a_latest_image_fails_naming_file_line_and_component() -> None:
    facts = StackFacts(
        Path("stack.yaml"),
        (
            ComponentFacts("db", "helm", (ImageRef("postgres:15.4", 9),)),
            ComponentFacts("web", "manifests", (ImageRef("nginx:latest", 14),)),
        ),
    )
    findings = image_tag_findings(facts)
    assert [f.level for f in findings] == [Level.FAIL]
    assert findings[0].seen.startswith("stack.yaml:14: component web uses 'nginx:latest'")


def test_pinned_images_are_ok() -> None:
    facts = StackFacts(Path("s.yaml"), (ComponentFacts("db", "helm", (ImageRef("pg:15", 3),)),))
    assert [f.level for f in image_tag_findings(facts)] == [Level.OK]


def test_an_invalid_spec_fails_unless_the_image_check_said_it_already() -> None:
    facts = StackFacts(Path("s.yaml"), (), "s.yaml:4: components[0].namespace: 3 is not a string")
    finding = spec_finding(facts, images_flagged=False)
    assert finding is not None
    assert finding.level is Level.FAIL
    image_error = "s.yaml:8: components[0].images[0].name: 'a:latest': pin an exact tag"
    facts = StackFacts(Path("s.yaml"), (), image_error)
    assert spec_finding(facts, images_flagged=True) is None
    assert spec_finding(facts, images_flagged=False) is not None


def test_a_valid_spec_is_ok() -> None:
    finding = spec_finding(StackFacts(Path("s.yaml"), ()), images_flagged=False)
    assert finding is not None
    assert finding.level is Level.OK


def test_gathering_reads_the_latest_image_load_stack_rejects(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    path = tmp_path / "stack.yaml"
    path.write_text(STACK.format(image="nginx:latest"))
    facts = gather_stack(path)
    assert facts.error is not None
    assert "images[0].name" in facts.error
    assert facts.components == (ComponentFacts("web", "manifests", (ImageRef("nginx:latest", 8),)),)


def test_gathering_a_valid_stack_finds_no_error_and_a_kustomize_source(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "kustomization.yaml").write_text("resources: []\n")
    path = tmp_path / "stack.yaml"
    path.write_text(STACK.format(image="nginx:1.25"))
    facts = gather_stack(path)
    assert facts.error is None
    assert facts.components[0].kustomize


def test_gathering_an_unreadable_stack_keeps_the_error(tmp_path: Path) -> None:
    facts = gather_stack(tmp_path / "absent.yaml")
    assert facts.error is not None
    assert facts.components == ()
