"""The helm provisioner's post-renderer (run by Helm as a `postrenderer/v1` plugin): labels
every rendered object with the run and the component, so `homelab-acceptance clean` and the
tests find what a release made. Reads the manifest on stdin, writes it to stdout; its
arguments are the labels, `key=value` each. Nothing else is changed: ports without `protocol`
go to the API server as the chart wrote them (server-side apply defaults them since
Kubernetes 1.24)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import yaml

from homelab_acceptance.provision.yaml_strings import dump_all


def post_render(manifest: str, labels: dict[str, str]) -> str:
    documents = [d for d in yaml.safe_load_all(manifest) if isinstance(d, dict)]
    rendered: list[dict[str, Any]] = []
    for document in documents:
        metadata = document.setdefault("metadata", {})
        metadata["labels"] = {**(metadata.get("labels") or {}), **labels}
        rendered.append(document)
    return dump_all(rendered)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    malformed = [a for a in arguments if "=" not in a]
    if malformed:
        print(f"helm post-renderer: labels are key=value, not {malformed[0]!r}", file=sys.stderr)
        return 2
    labels = dict(a.split("=", 1) for a in arguments)
    sys.stdout.write(post_render(sys.stdin.read(), labels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
