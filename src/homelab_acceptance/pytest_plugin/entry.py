"""The plugin's entry point (`pytest11`): the only module pytest loads in every project where
the package is installed, so it imports nothing but pytest and the standard library.

It declares the options and ini keys, and decides in `pytest_configure` whether this run is an
acceptance run. It is when the project's pytest ini names the stack (`homelab_stack`) or the
cluster (`homelab_cluster`), or when one of the plugin's options is given. Only then is the
real plugin (`PLUGIN_MODULES`: fixtures, cluster, report, verdict, retries)
loaded; in any other project the plugin does nothing: no report, no verdict line, no import
of Docker's or Kubernetes' client.

When the run names a stack and its paths are pytest's defaults (no test path on the command
line), the built-in suites shipped in the package (`homelab_acceptance.suites`) are collected
beside the project's own tests.
"""

from __future__ import annotations

import fnmatch
import importlib
import importlib.util
from pathlib import Path

import pytest

from homelab_acceptance.pytest_plugin.options import (
    DEFAULT_REPORT_DIR,
    KEEP_CHOICES,
    is_acceptance_run,
    run_options,
)
from homelab_acceptance.pytest_plugin.suite_args import args_with_suites, hidden_by

GROUP = "homelab-acceptance"
#: The acceptance run's plugin modules, registered by name (a module that -p named already is
#: not registered twice). Registered, not imported through pytest_plugins: they import each
#: other, and pytest would warn that an imported module cannot be assertion-rewritten.
PLUGIN_MODULES = tuple(
    f"homelab_acceptance.pytest_plugin.{name}"
    for name in ("session", "stack_fixtures", "workloads", "report", "preflight", "retries")
)
SUITES_PACKAGE = "homelab_acceptance.suites"
#: pytest decides its rootdir and ini file from the arguments that name existing paths before
#: it knows the plugin's options, so `--stack PATH` (space form) can make it miss the
#: project's ini and run the wrong tests. Only `--stack=PATH` is taken. (`--report-dir DIR`
#: and `--baseline PATH` are still taken in both forms: the report's place does not change
#: which checks run; `=` is the safe form for them too.)
SPACE_FORM_REFUSED = ("--stack",)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(GROUP)
    group.addoption(
        "--stack",
        default=None,
        metavar="PATH",
        help="the stack spec (default: the ini key homelab_stack, else stack/stack.yaml when "
        "it exists); write --stack=PATH. An invalid spec ends the run with exit code 4",
    )
    group.addoption(
        "--cluster",
        default=None,
        help="cluster spec: auto (default), debian://, k3s://, k3d://CONFIG, "
        "kubeconfig://PATH?context=NAME (ini key homelab_cluster)",
    )
    group.addoption(
        "--keep-cluster",
        choices=KEEP_CHOICES,
        default=None,
        help="keep the cluster after the run: never (default), on-failure, always",
    )
    group.addoption(
        "--reuse-cluster",
        nargs="?",
        const="latest",
        default=None,
        metavar="NAME",
        help="attach to a cluster kept by --keep-cluster (its name, e.g. "
        "homelab-acceptance-1a2b3c4d; alone: the most recent) instead of creating one; it "
        "stays kept, and only the stack's changed components are applied again",
    )
    group.addoption(
        "--allow-disruptive",
        action="store_true",
        default=None,
        help="run disruptive checks (node restart, drain) on an existing kubeconfig:// cluster",
    )
    group.addoption(
        "--report-dir",
        default=None,
        metavar="DIR",
        help="where results.json, acceptance.md, junit.xml and acceptance.html are written "
        f"(default: {DEFAULT_REPORT_DIR}/, created if missing)",
    )
    group.addoption(
        "--baseline",
        default=None,
        metavar="PATH",
        help="a previous run's results.json: the report says what newly fails, what was fixed "
        "and which timings regressed",
    )
    group.addoption(
        "--retries",
        default=None,
        metavar="N",
        help="run a failed check again up to N times (default 0); one that passes on a retry "
        "is reported as flaky, with the failures of its earlier attempts. Disruptive checks "
        "are never retried, nor a check whose setup failed",
    )
    group.addoption(
        "--fail-on-flaky",
        action="store_true",
        default=None,
        help="a flaky check (one that passed only on a retry) rejects the run (exit code 1)",
    )
    group.addoption(
        "--doctor",
        action="store_true",
        default=None,
        help="run the preflight (homelab-acceptance doctor) first; a failed finding ends the "
        "run with exit code 2",
    )
    parser.addini(
        "homelab_stack",
        "the stack spec of this project, relative to the ini file (turns the plugin on)",
        default="",
    )
    parser.addini(
        "homelab_cluster",
        "the default cluster spec of this project (auto when empty; turns the plugin on)",
        default="",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if not is_acceptance_run(config):
        return
    _refuse_space_form_of_the_stack_option(config)
    options = run_options(config)  # read once, checked before anything starts
    for name in PLUGIN_MODULES:
        if not config.pluginmanager.has_plugin(name):
            config.pluginmanager.register(importlib.import_module(name), name)
    if options.stack is not None and _paths_are_defaults(config):
        _add_packaged_suites(config)


def _refuse_space_form_of_the_stack_option(config: pytest.Config) -> None:
    given = [str(arg) for arg in config.invocation_params.args]
    for option in SPACE_FORM_REFUSED:
        if option in given:
            raise pytest.UsageError(
                f"{option} takes its value after '=': write {option}=PATH (pytest decides its "
                "rootdir from the arguments that name paths before it knows this option, "
                "and would take PATH for a test path)"
            )


def _paths_are_defaults(config: pytest.Config) -> bool:
    """No test path on the command line: pytest took its testpaths or the invocation dir."""
    return config.args_source is not pytest.Config.ArgsSource.ARGS


def _add_packaged_suites(config: pytest.Config) -> None:
    """Collect the built-in suites beside the project's tests (pytest_plugin/suite_args.py
    says how, with a venv inside the project too), unless they are named already (in this
    repository, testpaths is the suites' own folder)."""
    spec = importlib.util.find_spec(SUITES_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise pytest.UsageError(f"the package {SUITES_PACKAGE} is missing: reinstall it")
    suites = Path(next(iter(spec.submodule_search_locations))).resolve()
    patterns = [str(pattern) for pattern in config.getini("python_files")]

    def is_test_file(path: Path) -> bool:
        return path.suffix == ".py" and any(fnmatch.fnmatch(path.name, p) for p in patterns)

    hidden = hidden_by([str(pattern) for pattern in config.getini("norecursedirs")])
    config.args[:] = args_with_suites(config.args, suites, hidden, is_test_file)
