"""From an availability prober's samples of one target to the figures a report needs: when it
first and last failed, how long it was down in total, and when it was fully back.

Pure functions over recorded samples, so the arithmetic is tested exactly, without timing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Sample:
    """One look at a target: when (monotonic and wall clock, seconds) and what it answered."""

    monotonic_s: float
    wall_s: float
    ok: bool
    #: Empty when ok; else the status or the error, in one short line.
    error: str = ""


@dataclass(frozen=True)
class Availability:
    """One target over a probing window. Times are seconds after `began_s` (the disruption's
    start, e.g. the node restart), None where nothing of the kind happened."""

    target: str
    samples: int
    failed_samples: int
    first_failure_s: float | None
    last_failure_s: float | None
    #: The sum of the failed intervals: each runs from a failed sample to the next good one
    #: (or to the end of probing when none came).
    downtime_s: float
    #: From `began_s` to the first good sample after the last failure; 0.0 when it never
    #: failed; None when it was still failing when probing stopped.
    recovered_after_s: float | None
    first_error: str

    @property
    def recovered(self) -> bool:
        return self.recovered_after_s is not None

    def as_evidence(self) -> dict[str, Any]:
        return {
            "samples": self.samples,
            "failed_samples": self.failed_samples,
            "first_failure_s": _rounded(self.first_failure_s),
            "last_failure_s": _rounded(self.last_failure_s),
            "downtime_s": round(self.downtime_s, 2),
            "recovered_after_s": _rounded(self.recovered_after_s),
            "first_error": self.first_error,
        }


def summarise(
    target: str, samples: Sequence[Sample], began_s: float, ended_s: float
) -> Availability:
    """The availability of `target` from its samples (in time order), relative to the
    monotonic instant `began_s`; `ended_s` closes a failure still open at the end."""
    downtime = 0.0
    down_since: float | None = None
    first_failure: Sample | None = None
    last_failure: Sample | None = None
    back_at: float | None = None
    for sample in samples:
        if not sample.ok:
            first_failure = first_failure or sample
            last_failure = sample
            back_at = None
            if down_since is None:
                down_since = sample.monotonic_s
        elif down_since is not None:
            downtime += sample.monotonic_s - down_since
            down_since = None
            back_at = sample.monotonic_s
    if down_since is not None:
        downtime += max(ended_s - down_since, 0.0)
    if last_failure is None:
        recovered_after: float | None = 0.0
    else:
        recovered_after = None if back_at is None else back_at - began_s
    return Availability(
        target=target,
        samples=len(samples),
        failed_samples=sum(1 for sample in samples if not sample.ok),
        first_failure_s=_relative(first_failure, began_s),
        last_failure_s=_relative(last_failure, began_s),
        downtime_s=downtime,
        recovered_after_s=recovered_after,
        first_error=first_failure.error if first_failure else "",
    )


def _relative(sample: Sample | None, began_s: float) -> float | None:
    return None if sample is None else sample.monotonic_s - began_s


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
