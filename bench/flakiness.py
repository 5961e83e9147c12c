"""The flakiness budget: N consecutive whole acceptance runs of the healthy reference stack on
debian:// (each with its own cluster, every suite including the node restart and the drain),
counting the runs in which any check failed or errored. The target is 10 runs, none failed.

Prints one line per run and the totals on stdout (the runs' own output goes to stderr); it
reads each run's results.json, so a failed check is named with its message. Asserts nothing.

    .venv/bin/python bench/flakiness.py [runs, default 10] [extra pytest arguments]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BAD = ("failed", "error")


def one_run(index: int, extra: list[str]) -> tuple[float, list[str]]:
    """Wall time and the failed checks (id: message) of one whole run."""
    with tempfile.TemporaryDirectory() as scratch:
        command = [
            sys.executable, "-m", "pytest", "suites", "-p", "no:cacheprovider", "-q",
            "--report-dir", scratch, *extra,
        ]  # fmt: skip
        started = time.monotonic()
        result = subprocess.run(command, stdout=sys.stderr, check=False)
        wall = time.monotonic() - started
        results = Path(scratch) / "results.json"
        if not results.exists():
            return wall, [f"run {index}: no results.json (exit {result.returncode})"]
        checks = json.loads(results.read_text())["checks"]
        return wall, [f"{c['id']}: {c['message']}" for c in checks if c["status"] in BAD]


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    extra = sys.argv[2:]
    failed_runs = 0
    walls = []
    for index in range(1, runs + 1):
        wall, failures = one_run(index, extra)
        walls.append(wall)
        failed_runs += bool(failures)
        print(f"run {index}: {wall:.0f}s, {len(failures)} failed check(s)", flush=True)
        for failure in failures:
            print(f"  {failure}", flush=True)
    print(f"flakiness_runs value={runs} n={runs}", flush=True)
    print(f"flakiness_runs_with_a_failed_check value={failed_runs} n={runs}", flush=True)
    print(f"flakiness_run_seconds_max value={max(walls):.0f} n={runs}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
