"""The `homelab-acceptance` command: build the node image, clean up after killed runs,
install helm, kubectl and tofu (`tools install`), and `doctor`, the preflight (exit 2 when any
finding fails).

Bad input and unreachable engines end in one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from homelab_acceptance.cluster.kept import find_kept, kept_clusters
from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.doctor import any_failed, diagnose, gather_facts
from homelab_acceptance.errors import HomelabAcceptanceError
from homelab_acceptance.go_programs import OPENTOFU
from homelab_acceptance.kube_tools import default_tools_dir, install_kube_tools
from homelab_acceptance.node_image import ensure_node_image
from homelab_acceptance.reaper import reap
from homelab_acceptance.spec import DEFAULT_STACK
from homelab_acceptance.tofu_providers import install_providers, mirror_beside
from homelab_acceptance.tofu_tool import install_tofu

EXIT_ERROR = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="homelab-acceptance",
        description="Acceptance tests for a single-node K3S homelab (run the suites with pytest).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    node = commands.add_parser("node", help="the debian:// node image")
    node_commands = node.add_subparsers(dest="node_command", required=True)
    build = node_commands.add_parser("build", help="build the node image unless it is cached")
    build.add_argument("--force", action="store_true", help="rebuild even when cached")
    clean = commands.add_parser(
        "clean", help="remove containers, volumes and networks left by runs that are gone"
    )
    which = clean.add_mutually_exclusive_group()
    which.add_argument(
        "--all", action="store_true", help="remove every labelled resource, kept clusters too"
    )
    which.add_argument(
        "--kept", metavar="NAME", help="remove the kept cluster NAME (see --keep-cluster)"
    )
    doctor = commands.add_parser(
        "doctor", help="preflight: check what a run needs, one line per finding with its fix"
    )
    doctor.add_argument(
        "--stack", type=Path, help=f"the stack spec to check (default: {DEFAULT_STACK} if present)"
    )
    doctor.add_argument(
        "--cluster", default="auto", help="the cluster spec the run will use (default: auto)"
    )
    tools = commands.add_parser("tools", help="the command-line tools the provisioners drive")
    tools_commands = tools.add_subparsers(dest="tools_command", required=True)
    install = tools_commands.add_parser(
        "install",
        help="put helm, kubectl and tofu (built from its Go module) beside this Python (its "
        "venv's bin) or into DIR, and tofu's providers (built from theirs) into a mirror beside "
        "it (DIR/../share/homelab-acceptance/tofu-providers)",
    )
    install.add_argument("dir", nargs="?", type=Path, help="where to put them")
    return parser


def _tools_install(target: Path | None) -> None:
    where = target if target is not None else default_tools_dir()
    if not install_kube_tools(where):
        print(f"tools: helm and kubectl are in {where} already")
    if not install_tofu(where):
        print(f"tools: tofu {OPENTOFU.version} is in {where} already")
    if not install_providers(where):
        print(f"tools: tofu's providers are in {mirror_beside(where)} already")


def _doctor(stack: Path | None, cluster: str) -> int:
    if stack is None and DEFAULT_STACK.is_file():
        stack = DEFAULT_STACK
    findings = diagnose(gather_facts(stack, cluster))
    for finding in findings:
        print(finding.line())
    return EXIT_ERROR if any_failed(findings) else 0


def _node_build(force: bool) -> None:
    image = ensure_node_image(connect_docker(), force=force)
    print(f"node image: {image.tag} ({'built' if image.built else 'cached'})")


def _clean(everything: bool, kept_name: str | None) -> None:
    client = connect_docker()
    if kept_name is not None:
        reaped = reap(client, run_id=find_kept(client, kept_name).run_id)
    else:
        reaped = reap(client, everything=everything)
    print(f"clean: removed {reaped.summary()}")
    for kept in kept_clusters(client):
        print(f"clean: kept {kept.line()}: remove it with clean --kept {kept.name} (or --all)")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        if arguments.command == "node":
            _node_build(arguments.force)
        elif arguments.command == "clean":
            _clean(arguments.all, arguments.kept)
        elif arguments.command == "tools":
            _tools_install(arguments.dir)
        elif arguments.command == "doctor":
            return _doctor(arguments.stack, arguments.cluster)
    except HomelabAcceptanceError as error:
        print(f"homelab-acceptance: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("homelab-acceptance: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
