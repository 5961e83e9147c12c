"""Figures for provisioning the reference stack's offline profile on a warm debian:// node.

Prints one line per figure on stdout (progress goes to stderr); asserts nothing. See
bench/README.md for what each figure is and its target.

    .venv/bin/python bench/provision.py [--stack stack/stack.yaml]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from homelab_acceptance.cluster.debian import DebianCluster
from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.errors import HomelabAcceptanceError
from homelab_acceptance.node_image import ensure_node_image
from homelab_acceptance.provision.stack_lifecycle import StackLifecycle
from homelab_acceptance.run_identity import RunIdentity
from homelab_acceptance.spec import load_stack


def note(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def figure(name: str, seconds: float) -> None:
    print(f"{name} value={seconds:.1f} n=1", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", type=Path, default=Path("stack/stack.yaml"))
    options = parser.parse_args()
    try:
        stack = load_stack(options.stack)
        client = connect_docker()
        ensure_node_image(client, note)
        identity = RunIdentity.new()
        with DebianCluster(identity) as cluster:
            lifecycle = StackLifecycle(cluster, stack, identity, note)
            first = lifecycle.prepare_images(client)
            figure("stack_images_first_build_seconds", first.build_s)
            second = lifecycle.prepare_images(client)
            figure("stack_images_cached_build_seconds", second.build_s)
            figure("stack_images_import_seconds", second.import_s)
            started = time.monotonic()
            try:
                outcomes = lifecycle.apply()
                figure("provision_offline_profile_seconds", time.monotonic() - started)
                for outcome in outcomes:
                    figure(f"apply_{outcome.component}_seconds", outcome.applied.seconds)
                    figure(f"settle_{outcome.component}_seconds", outcome.settle_s)
                started = time.monotonic()
                lifecycle.apply()
                figure("second_apply_seconds", time.monotonic() - started)
            finally:
                started = time.monotonic()
                try:
                    lifecycle.destroy()
                    figure("destroy_seconds", time.monotonic() - started)
                except HomelabAcceptanceError as error:
                    note(f"destroy: {error}")
    except HomelabAcceptanceError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
