"""Figures for a whole acceptance run of the offline profile on debian://: node up with the
cached image, provisioning, every suite including one node restart.

Prints one line per figure on stdout (the run's own output goes to stderr); asserts nothing.

    .venv/bin/python bench/acceptance.py [extra pytest arguments]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        junit = Path(scratch) / "junit.xml"
        command = [
            sys.executable, "-m", "pytest", "suites", "-p", "no:cacheprovider", "-q",
            f"--junitxml={junit}", *sys.argv[1:],
        ]  # fmt: skip
        started = time.monotonic()
        result = subprocess.run(command, stdout=sys.stderr, check=False)
        wall = time.monotonic() - started
        print(f"acceptance_run_seconds value={wall:.1f} n=1", flush=True)
        print(f"acceptance_run_exit_code value={result.returncode} n=1", flush=True)
        if not junit.exists():
            return 2
        per_suite: dict[str, float] = defaultdict(float)
        outcomes: dict[str, int] = defaultdict(int)
        for case in ET.parse(junit).getroot().iter("testcase"):
            suite = case.get("classname", "?").rsplit(".", 1)[-1]
            per_suite[suite] += float(case.get("time", "0"))
            verdicts = (child.tag for child in case if child.tag in ("failure", "error", "skipped"))
            outcome = next(verdicts, "passed")
            outcomes[outcome] += 1
        for suite, seconds in sorted(per_suite.items()):
            print(f"suite_{suite}_seconds value={seconds:.1f} n=1", flush=True)
        for outcome, count in sorted(outcomes.items()):
            print(f"checks_{outcome} value={count} n=1", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
