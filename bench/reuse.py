"""Figures for `--reuse-cluster` on a warm cluster: one kept run of the non-disruptive suites on
the reference stack (node up, images imported, stack provisioned), then the same suites again
on that cluster by name, where nothing is re-applied. Target for the warm run: <= 60 s.

Prints one line per figure on stdout (the runs' own output goes to stderr); asserts nothing.
The kept cluster is removed at the end, however the runs went.

    .venv/bin/python bench/reuse.py [extra pytest arguments]
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time

from homelab_acceptance.docker.engine import connect_docker
from homelab_acceptance.reaper import reap

TARGET_S = 60.0
KEPT_LINE = re.compile(r"keeping the cluster (homelab-acceptance-([0-9a-f]+))")


def timed_suites(report_dir: str, *options: str) -> tuple[float, int, str]:
    command = [
        sys.executable, "-m", "pytest", "suites", "-m", "not disruptive", "-p", "no:cacheprovider",
        "-q", "--report-dir", report_dir, *options, *sys.argv[1:],
    ]  # fmt: skip
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    sys.stderr.write(result.stdout[-3000:] + result.stderr[-1000:])
    return wall, result.returncode, result.stdout


def main() -> int:
    run_id = None
    with tempfile.TemporaryDirectory() as scratch:
        try:
            cold, code, output = timed_suites(
                scratch, "--cluster", "debian://", "--keep-cluster=always"
            )
            print(f"kept_run_seconds value={cold:.1f} n=1", flush=True)
            print(f"kept_run_exit_code value={code} n=1", flush=True)
            kept = KEPT_LINE.search(output)
            if kept is None:
                print("no cluster was kept: see the run's output on stderr", file=sys.stderr)
                return 2
            name, run_id = kept.group(1), kept.group(2)
            warm, code, output = timed_suites(scratch, "--reuse-cluster", name)
            skipped = output.count("not re-applied")
            print(f"warm_reuse_run_seconds value={warm:.1f} n=1 target={TARGET_S:.0f}", flush=True)
            print(f"warm_reuse_run_exit_code value={code} n=1", flush=True)
            print(f"warm_reuse_components_not_reapplied value={skipped} n=1", flush=True)
            print(f"warm_reuse_within_target value={int(warm <= TARGET_S)} n=1", flush=True)
        finally:
            if run_id is not None:
                reap(connect_docker(), run_id=run_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
