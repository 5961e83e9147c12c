"""Hypothesis profiles: CI explores a fixed set of examples (a red CI must be reproducible);
a developer's run explores new ones each time (`HYPOTHESIS_PROFILE=deep` for many more)."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True)
settings.register_profile("deep", max_examples=3000)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default")
)
