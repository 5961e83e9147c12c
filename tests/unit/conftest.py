"""Hypothesis profiles: CI explores a fixed set of examples (a red CI must be reproducible);
a developer's run explores new ones each time (`HYPOTHESIS_PROFILE=deep` for many more)."""

from __future__ import annotations

import os

from hypothesis import settings

# No per-example deadline anywhere: it is a duration asserted in a test, and it fails on a
# machine busy with a cluster build (seen: DeadlineExceeded while CI ran beside it).
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("dev", deadline=None)
settings.register_profile("deep", max_examples=3000, deadline=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)
