"""The stack spec: valid (spec.load_stack's one line when not), and every image pinned to an
exact tag. Images are read from the raw YAML too, so a `:latest` one is named with its component
even though load_stack stops at the first error."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from homelab_acceptance.doctor.findings import Finding, fail, ok
from homelab_acceptance.errors import ConfigurationError, StackSpecError
from homelab_acceptance.spec import load_stack
from homelab_acceptance.spec.yaml_positions import line_of, load

#: load_stack's error about an image name: the image check says the same with the component.
_IMAGE_NAME_ERROR = re.compile(r"components\[\d+\]\.images\[\d+\]\.name:")


@dataclass(frozen=True)
class ImageRef:
    name: str
    line: int


@dataclass(frozen=True)
class ComponentFacts:
    name: str
    provisioner: str
    images: tuple[ImageRef, ...] = ()
    #: manifests: the source is a kustomize overlay (rendered with kubectl).
    kustomize: bool = False


@dataclass(frozen=True)
class StackFacts:
    path: Path
    components: tuple[ComponentFacts, ...]
    #: load_stack's one-line error, None when the spec is valid.
    error: str | None = None


def unpinned_reason(image: str) -> str | None:
    """Why `image` is not pinned (`:latest`, no tag), None when it has a tag or a digest."""
    if "@" in image:
        return None
    last = image.rsplit("/", 1)[-1]  # a registry's `host:port/` is not a tag
    if ":" not in last:
        return "no tag, so :latest"
    return ":latest" if last.endswith(":latest") else None


def image_tag_findings(facts: StackFacts) -> list[Finding]:
    findings = []
    count = 0
    for component in facts.components:
        for image in component.images:
            count += 1
            reason = unpinned_reason(image.name)
            if reason is not None:
                findings.append(
                    fail(
                        "image tag",
                        f"{facts.path}:{image.line}: component {component.name} uses "
                        f"{image.name!r} ({reason})",
                        "pin an exact tag (name:1.2.3) or digest: a :latest image is pulled at "
                        "every start and changes under the run",
                    )
                )
    return findings or [ok("image tags", f"{count} image(s) in {facts.path}, all pinned")]


def spec_finding(facts: StackFacts, images_flagged: bool) -> Finding | None:
    """None when the only complaint is an image name the image check already named."""
    if facts.error is None:
        return ok("stack spec", f"{facts.path}: valid, {len(facts.components)} component(s)")
    if images_flagged and _IMAGE_NAME_ERROR.search(facts.error):
        return None
    return fail(
        "stack spec",
        facts.error,
        "fix that field (the schema: homelab_acceptance/spec/stack.schema.json in the package)",
    )


def gather_stack(path: Path) -> StackFacts:
    try:
        load_stack(path)
        error = None
    except StackSpecError as invalid:
        error = str(invalid)
    return StackFacts(path, _raw_components(path), error)


def _raw_components(path: Path) -> tuple[ComponentFacts, ...]:
    """What the file says, whatever shape it has: load_stack stops at its first error."""
    try:
        root, document = load(path.read_text(), path, ConfigurationError)
    except (OSError, ConfigurationError):
        return ()
    raw = document.get("components") if isinstance(document, dict) else None
    if root is None or not isinstance(raw, list):
        return ()
    components = []
    for index, entry in enumerate(raw):
        if isinstance(entry, dict):
            components.append(_component(path, root, index, entry))
    return tuple(components)


def _component(path: Path, root: Any, index: int, entry: dict[str, Any]) -> ComponentFacts:
    images = []
    for number, image in enumerate(entry.get("images") or []):
        if isinstance(image, dict) and isinstance(image.get("name"), str):
            line = line_of(root, ["components", index, "images", number, "name"])
            images.append(ImageRef(image["name"], line))
    source = entry.get("source")
    kustomize = isinstance(source, str) and any(
        (path.parent / source / name).is_file()
        for name in ("kustomization.yaml", "kustomization.yml")
    )
    return ComponentFacts(
        str(entry.get("name", f"components[{index}]")),
        str(entry.get("provisioner", "")),
        tuple(images),
        kustomize,
    )
