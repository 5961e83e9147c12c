"""The plugin's options and ini keys, read once into one typed object (`RunOptions`), which
every part of the plugin takes from the config's stash (`run_options`). Light: the entry
point imports it in every project, so it imports nothing but pytest and the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

DEFAULT_CLUSTER = "auto"
DEFAULT_REPORT_DIR = "reports"
KEEP_CHOICES = ("never", "on-failure", "always")
#: The stack spec a project has when its ini names none (this repository's layout).
CONVENTIONAL_STACK = Path("stack/stack.yaml")
#: The plugin's options, as pytest names them on `config.option`: any one given turns the
#: plugin on (each defaults to None, so a given one can be told from an absent one).
OPTION_NAMES = (
    *("stack", "cluster", "keep_cluster", "reuse_cluster", "allow_disruptive"),
    *("report_dir", "baseline", "doctor", "retries", "fail_on_flaky"),
)


@dataclass(frozen=True)
class RunOptions:
    #: The stack spec the run names (resolved, existing), None when it names none.
    stack: Path | None
    #: The cluster spec: --cluster, else the ini key homelab_cluster, else auto.
    cluster: str
    #: --cluster as given on the command line (None: from the ini or the default).
    cluster_given: str | None
    keep_cluster: str
    #: --reuse-cluster's NAME ("latest" when given alone), None when not reusing.
    reuse_cluster: str | None
    allow_disruptive: bool
    report_dir: Path
    #: --baseline, from the invocation dir.
    baseline: Path | None
    doctor: bool
    #: --retries: how many times a failed non-disruptive check is run again (0: never).
    retries: int
    #: --fail-on-flaky: a check that passed only on a retry rejects the run.
    fail_on_flaky: bool


_options_key = pytest.StashKey[RunOptions]()


def is_acceptance_run(config: pytest.Config) -> bool:
    """Whether this run uses the plugin: its ini keys or any of its options."""
    if config.getini("homelab_stack") or config.getini("homelab_cluster"):
        return True
    return any(getattr(config.option, name, None) is not None for name in OPTION_NAMES)


def run_options(config: pytest.Config) -> RunOptions:
    """The run's options, read (and checked) the first time they are asked for."""
    if _options_key not in config.stash:
        config.stash[_options_key] = _read(config)
    return config.stash[_options_key]


def _read(config: pytest.Config) -> RunOptions:
    option = config.option
    given_cluster = getattr(option, "cluster", None)
    baseline = getattr(option, "baseline", None)
    return RunOptions(
        stack=_stack_path(config),
        cluster=given_cluster or str(config.getini("homelab_cluster") or DEFAULT_CLUSTER),
        cluster_given=given_cluster,
        keep_cluster=getattr(option, "keep_cluster", None) or "never",
        reuse_cluster=getattr(option, "reuse_cluster", None),
        allow_disruptive=bool(getattr(option, "allow_disruptive", None)),
        report_dir=Path(getattr(option, "report_dir", None) or DEFAULT_REPORT_DIR),
        baseline=config.invocation_params.dir / baseline if baseline else None,
        doctor=bool(getattr(option, "doctor", None)),
        retries=_retries(getattr(option, "retries", None)),
        fail_on_flaky=bool(getattr(option, "fail_on_flaky", None)),
    )


def _retries(given: str | None) -> int:
    """--retries N: a whole number, 0 or more; anything else is a usage error."""
    if given is None:
        return 0
    text = str(given).strip()
    if not (text.isascii() and text.isdigit()):
        raise pytest.UsageError(
            f"--retries takes how many times a failed check is run again, a whole number "
            f"0 or more: not {given!r}"
        )
    return int(text)


def _stack_path(config: pytest.Config) -> Path | None:
    """The stack spec this run names: --stack=PATH (from the invocation dir), the ini key
    homelab_stack (from the ini file's dir), else stack/stack.yaml under the rootdir when it
    exists; None when there is none. A named one that does not exist is a usage error."""
    given = getattr(config.option, "stack", None)
    path: Path
    if given:
        path = config.invocation_params.dir / given
        where = f"--stack={given}"
    elif config.getini("homelab_stack"):
        base = config.inipath.parent if config.inipath else config.rootpath
        path = base / str(config.getini("homelab_stack"))
        where = f"the ini key homelab_stack in {config.inipath or config.rootpath}"
    else:
        conventional = config.rootpath / CONVENTIONAL_STACK
        return conventional if conventional.is_file() else None
    if not path.is_file():
        raise pytest.UsageError(f"no stack spec at {path} ({where} names it)")
    return path
