"""Figures for the debian:// node: image build and size, up(), restart_node(), peak RSS.

Prints one line per figure on stdout (progress goes to stderr); asserts nothing. See
bench/README.md for what each figure is and its target.

    .venv/bin/python bench/node.py [--repeat N] [--cold] [--skip-up]
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import docker
from docker.errors import APIError, ImageNotFound

from homelab_acceptance.cluster.debian import DebianCluster
from homelab_acceptance.docker.base_image import ensure_base_image
from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.errors import HomelabAcceptanceError, NodeImageBuildError
from homelab_acceptance.go_programs import built_program
from homelab_acceptance.go_programs.build import CACHE_ENV
from homelab_acceptance.node_image import ensure_node_image
from homelab_acceptance.node_image.build import (
    ADDON_PROGRAMS,
    IMAGE_PROGRAMS,
    NODE_PROGRAMS,
    build_context,
)

COLD_TAG = "homelab-acceptance/node:bench-cold"
_IMAGE_ID = re.compile(r"^ ---> ([0-9a-f]{12,64})$")


def quiet(_: str) -> None:
    """A progress callback that says nothing."""


def note(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def report(name: str, samples: Sequence[float], digits: int = 1) -> None:
    def fmt(value: float) -> str:
        return f"{value:.{digits}f}"

    if not samples:
        return
    if len(samples) == 1:
        print(f"{name} value={fmt(samples[0])} n=1", flush=True)
        return
    print(
        f"{name} median={fmt(statistics.median(samples))} min={fmt(min(samples))} "
        f"max={fmt(max(samples))} n={len(samples)}",
        flush=True,
    )


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


# -- node image ------------------------------------------------------------------------------


def node_image_figures(repeat: int) -> None:
    client = connect_docker()
    try:
        image = ensure_node_image(client, note)  # untimed warm-up: builds only if missing
        if image.built:
            note(f"{image.tag} was missing and has been built (not part of any figure)")
        size = int(client.images.get(image.tag).attrs["Size"])
        report("node_image_mb", [size / 1e6])
    finally:
        client.close()

    def cached_check() -> None:
        checker = connect_docker()
        try:
            ensure_node_image(checker, progress=quiet)
        finally:
            checker.close()

    report("cached_build_check_seconds", [timed(cached_check) for _ in range(repeat)], 3)


def cold_go_build_seconds() -> float:
    """Kubernetes, etcd, CoreDNS and the local-path provisioner built from their modules with
    an empty Go build cache and program cache (temporary ones; the module download cache is
    the machine's, so downloads are not in the figure: about 600 MB more on a fresh
    machine)."""
    with tempfile.TemporaryDirectory(prefix="bench-go-") as scratch:
        saved = {name: os.environ.get(name) for name in ("GOCACHE", CACHE_ENV)}
        os.environ["GOCACHE"] = f"{scratch}/gocache"
        os.environ[CACHE_ENV] = f"{scratch}/programs"
        try:
            started = time.perf_counter()
            for program in IMAGE_PROGRAMS:
                built_program(program, note)
            return time.perf_counter() - started
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def cold_build_seconds() -> float:
    """One build of the node recipe with Docker's layer cache off, under a bench-only tag
    (the Go-built binaries from their cache)."""
    client = connect_docker()
    layers: list[str] = []
    try:
        base_id = ensure_base_image(client, note)
        binaries = [built_program(program, note) for program in NODE_PROGRAMS]
        addons = [built_program(program, note) for program in ADDON_PROGRAMS]
        note(f"cold build of {COLD_TAG} without layer cache (about 1 min on 2 cores)")
        started = time.perf_counter()
        with build_context(binaries, addons) as context:
            _cold_build(client, base_id, context, layers)
        return time.perf_counter() - started
    finally:
        _remove_cold_images(client, layers)
        client.close()


def _cold_build(
    client: docker.DockerClient, base_id: str, context: Path, layers: list[str]
) -> None:
    try:
        stream = client.api.build(
            path=str(context),
            tag=COLD_TAG,
            buildargs={"BASE_IMAGE": base_id},
            nocache=True,
            rm=True,
            forcerm=True,
            decode=True,
        )
        for chunk in stream:
            if "error" in chunk or "errorDetail" in chunk:
                detail = chunk.get("error") or chunk["errorDetail"].get("message", "")
                raise NodeImageBuildError(f"cold build failed: {' '.join(str(detail).split())}")
            for line in str(chunk.get("stream", "")).splitlines():
                if line.startswith("Step "):
                    note(f"cold build: {line[:120]}")
                elif match := _IMAGE_ID.match(line):
                    layers.append(match[1])
    except APIError as error:
        raise NodeImageBuildError(f"cold build refused by the Docker engine: {error}") from None


def _remove_cold_images(client: docker.DockerClient, layers: list[str]) -> None:
    """Remove the bench tag, then the untagged layers this build made, newest first (a
    layer still tagged or used by something else is left alone)."""
    with contextlib.suppress(ImageNotFound, APIError):
        client.images.remove(COLD_TAG)
    for layer in reversed(layers):
        with contextlib.suppress(ImageNotFound, APIError):
            if not client.images.get(layer).tags:
                client.images.remove(layer)


# -- cluster ---------------------------------------------------------------------------------


class ReadyLog(logging.Handler):
    """Keeps DebianCluster's "<what>: ready after X s" records."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "ready after" in record.getMessage():
            self.records.append(record)

    def take(self, what: str) -> logging.LogRecord | None:
        """The last record for `what` ("node start" or "node restart"), forgetting all."""
        found = [r for r in self.records if r.getMessage().startswith(f"{what}:")]
        self.records.clear()
        return found[-1] if found else None


def container_started_at(cluster: DebianCluster) -> float:
    """When the engine last started the node container (epoch seconds)."""
    node = cluster.node
    attrs: dict[str, Any] = node.client.containers.get(node.spec.name).attrs
    return datetime.fromisoformat(str(attrs["State"]["StartedAt"])).timestamp()


def start_to_ready(cluster: DebianCluster, ready_log: ReadyLog, what: str) -> float | None:
    record = ready_log.take(what)
    return None if record is None else record.created - container_started_at(cluster)


def cluster_figures(repeat: int) -> None:
    logger = logging.getLogger("homelab_acceptance.cluster.debian")
    ready_log = ReadyLog()
    logger.addHandler(ready_log)
    logger.setLevel(logging.INFO)
    up_s: list[float] = []
    up_ready: list[float] = []
    restart_s: list[float] = []
    restart_ready: list[float] = []
    try:
        for attempt in range(repeat):
            cluster = DebianCluster(progress=quiet)
            try:
                note(f"up() {attempt + 1}/{repeat}")
                up_s.append(timed(cluster.up))
                if (seconds := start_to_ready(cluster, ready_log, "node start")) is not None:
                    up_ready.append(seconds)
                if attempt == repeat - 1:  # restarts on the last cluster, before its down()
                    for turn in range(repeat):
                        note(f"restart_node() {turn + 1}/{repeat}")
                        restart_s.append(timed(cluster.restart_node))
                        seconds = start_to_ready(cluster, ready_log, "node restart")
                        if seconds is not None:
                            restart_ready.append(seconds)
            finally:
                cluster.down()
    finally:  # what was measured is printed, also when a later sample failed
        logger.removeHandler(ready_log)
        report("up_seconds", up_s)
        report("up_container_start_to_ready_seconds", up_ready)
        report("restart_node_seconds", restart_s)
        report("restart_container_start_to_ready_seconds", restart_ready)


# -- main ------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=5, help="samples per figure (default 5)")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="also time the Go builds with empty caches (~9 min) and one image build without "
        "layer cache (~1 min)",
    )
    parser.add_argument(
        "--skip-up", action="store_true", help="skip the up() and restart_node() figures"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        node_image_figures(args.repeat)
        if not args.skip_up:
            cluster_figures(args.repeat)
        if args.cold:
            report("cold_go_build_seconds", [cold_go_build_seconds()], 0)
            report("cold_build_seconds", [cold_build_seconds()])
    except HomelabAcceptanceError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    report("peak_rss_mb", [peak_kib * 1024 / 1e6])
    return 0


if __name__ == "__main__":
    sys.exit(main())
