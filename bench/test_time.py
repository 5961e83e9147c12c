"""Where the harness's own tests spend their time: the seconds per test file (setup, call and
teardown of each test summed, so a module fixture's cluster counts in its file), largest first,
with the count of tests and the share of the whole, read from a run's results.json.

    ./scripts/test --report-dir /tmp/test-time      # or any run of `pytest tests suites`
    .venv/bin/python bench/test_time.py /tmp/test-time/results.json

Without an argument it reads reports/results.json (where a run writes by default). The files'
seconds add up to more than the wall time where tests ran concurrently inside one test (the
detection-power variants); the wall time is the report's own duration. Asserts nothing.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

DEFAULT = Path("reports/results.json")


def per_file(checks: list[dict[str, object]]) -> dict[str, tuple[float, int]]:
    """Seconds and test count per test file (the part of the id before `::`)."""
    seconds: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for check in checks:
        check_id = str(check["id"])
        if "::" not in check_id or check_id.startswith("stack::"):
            continue  # a requirement of the report's own, no test behind it
        path = check_id.split("::", 1)[0]
        duration = check.get("duration_s")
        seconds[path] += float(duration) if isinstance(duration, int | float) else 0.0
        counts[path] += 1
    return {path: (seconds[path], counts[path]) for path in seconds}


def main() -> int:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    try:
        results = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"bench/test_time.py: cannot read {source}: {error}", file=sys.stderr)
        return 2
    files = per_file(results["checks"])
    summed = sum(seconds for seconds, _ in files.values()) or 1.0
    wall = results.get("environment", {}).get("duration_s")
    print(f"wall_seconds value={wall} tests={sum(n for _, n in files.values())}")
    for path, (seconds, count) in sorted(files.items(), key=lambda item: -item[1][0]):
        print(f"{path} seconds={seconds:.0f} tests={count} share={100 * seconds / summed:.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
