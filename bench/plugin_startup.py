"""What the installed plugin costs a pytest run that does not use it: `pytest --collect-only`
in an empty project with one plain test, with the plugin (as pip installs it: loaded through
its `pytest11` entry point, off there) and with `-p no:homelab_acceptance`, alternated.

    .venv/bin/python bench/plugin_startup.py [--repeat 15]

Prints `startup_with_plugin_seconds`, `startup_without_plugin_seconds` (median, min, max, n)
and `plugin_cost_seconds` (the difference of the medians)."""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_once(project: Path, *extra: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *extra],
        cwd=project, check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - started


def line(name: str, samples: list[float]) -> str:
    return (
        f"{name} median={statistics.median(samples):.3f} min={min(samples):.3f} "
        f"max={max(samples):.3f} n={len(samples)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory(prefix="hla-startup-") as directory:
        project = Path(directory)
        (project / "test_plain.py").write_text("def test_plain():\n    pass\n")
        run_once(project)  # warm the file system cache and bytecode
        with_plugin, without = [], []
        for _ in range(repeat):
            with_plugin.append(run_once(project))
            without.append(run_once(project, "-p", "no:homelab_acceptance"))
    print(line("startup_with_plugin_seconds", with_plugin))
    print(line("startup_without_plugin_seconds", without))
    cost = statistics.median(with_plugin) - statistics.median(without)
    print(f"plugin_cost_seconds value={cost:.3f} n={repeat}")


if __name__ == "__main__":
    main()
