"""Where the packaged suites go in pytest's arguments. Appending their folder is enough when
it lies outside the project (a venv elsewhere) or where pytest recurses anyway. But pytest
merges an argument that lies inside another into that one, and a folder it does not recurse
into (`.venv`, any venv, `norecursedirs`) then drops the suites: with the usual `.venv` inside
the repo and no `testpaths`, `pytest` would find no built-in suite. There the covering
argument is replaced by what pytest would have collected from it (its entries, down to the
hidden folder) and the suites come beside them. Light: imports only the standard library."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Sequence
from pathlib import Path

#: Whether pytest's recursion skips a folder (a venv, a dot folder, `norecursedirs`).
Hidden = Callable[[Path], bool]


def hidden_by(norecursedirs: Sequence[str]) -> Hidden:
    def hidden(path: Path) -> bool:
        if (path / "pyvenv.cfg").is_file() or path.name == "__pycache__":
            return True
        return any(fnmatch.fnmatch(path.name, pattern) for pattern in norecursedirs)

    return hidden


def args_with_suites(
    args: Sequence[str], suites: Path, hidden: Hidden, is_test_file: Callable[[Path], bool]
) -> list[str]:
    """`args` with the suites folder added so that pytest collects it once."""
    paths = [Path(arg.split("::")[0]).resolve() for arg in args]
    if any(path == suites or suites in path.parents for path in paths):
        return list(args)  # the suites are named already (this repository: testpaths)
    result: list[str] = []
    for arg, path in zip(args, paths, strict=True):
        if path in suites.parents and _hides(path, suites, hidden):
            result += _entries_down_to(path, suites, hidden, is_test_file)
        elif path in suites.parents:
            return list(args)  # pytest recurses from `path` into the suites itself
        else:
            result.append(arg)
    return [*result, str(suites)]


def _hides(top: Path, suites: Path, hidden: Hidden) -> bool:
    below = top
    for part in suites.relative_to(top).parts:
        below = below / part
        if hidden(below):
            return True
    return False


def _entries_down_to(
    top: Path, suites: Path, hidden: Hidden, is_test_file: Callable[[Path], bool]
) -> list[str]:
    """What pytest collects from `top`, as arguments that leave out the way to `suites`:
    each level's other entries (folders it recurses into, test files), down to the first
    hidden folder on that way."""
    entries: list[str] = []
    level = top
    for part in suites.relative_to(top).parts:
        step = level / part
        for entry in sorted(level.iterdir()):
            if entry == step:
                continue
            if (entry.is_dir() and not hidden(entry) and not entry.name.startswith(".")) or (
                entry.is_file() and is_test_file(entry)
            ):
                entries.append(str(entry))
        if hidden(step):
            break
        level = step
    return entries
