"""Whether the node's data directories are on Docker volumes, not in the container's writable
layer (which a recreated container loses, and which grows the engine's own disk).

The directories are read from the running components (a flag such as etcd's `--data-dir`, or
a key of the config file a flag names) rather than assumed, so a component moved to another
directory is checked where it really writes.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DataDirSource:
    """Where one component keeps its data: `flag`'s value on `process`'s command line, else
    `default`. With `config_key`, the flag names a TOML config file and the directory is that
    key in it."""

    what: str
    process: str
    flag: str
    default: str
    config_key: str | None = None


def flag_value(argv: Sequence[str], flag: str) -> str | None:
    """The value of `flag` in `argv`, written `--flag=value` or `--flag value`."""
    for index, word in enumerate(argv):
        if word.startswith(f"{flag}="):
            return word.split("=", 1)[1]
        if word == flag and index + 1 < len(argv):
            return argv[index + 1]
    return None


def data_dir(source: DataDirSource, argv: Sequence[str], read_file: Callable[[str], str]) -> str:
    """The directory `source` says the component uses, given its command line."""
    value = flag_value(argv, source.flag)
    if source.config_key is None:
        return value or source.default
    if value is None:
        return source.default
    config: dict[str, Any] = tomllib.loads(read_file(value))
    return str(config.get(source.config_key, source.default))


def volume_holding(path: str, mounts: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The container mount (from `docker inspect`'s Mounts) that `path` lies on: the one
    with the longest destination that contains it; None when it is in the writable layer."""
    holding: Mapping[str, Any] | None = None
    for mount in mounts:
        destination = str(mount.get("Destination", "")).rstrip("/") or "/"
        inside = path == destination or path.startswith(destination.rstrip("/") + "/")
        if inside and (holding is None or len(destination) > len(str(holding["Destination"]))):
            holding = mount
    return holding


def dirs_off_volumes(
    dirs: Mapping[str, str], mounts: Sequence[Mapping[str, Any]]
) -> tuple[list[str], dict[str, str]]:
    """One line for each directory (what -> path) that is not on a Docker volume, and for
    every directory where it is (volume name, or what holds it instead)."""
    problems: list[str] = []
    where: dict[str, str] = {}
    for what, path in dirs.items():
        mount = volume_holding(path, mounts)
        if mount is None:
            where[what] = f"{path}: writable layer"
            problems.append(f"{what} ({path}) is in the container's writable layer, not a volume")
        elif mount.get("Type") != "volume":
            where[what] = f"{path}: {mount.get('Type')} mount {mount.get('Destination')}"
            problems.append(
                f"{what} ({path}) is on a {mount.get('Type')} mount of {mount.get('Destination')}, "
                "not a volume"
            )
        else:
            where[what] = f"{path}: volume {mount.get('Name')}"
    return problems, where
