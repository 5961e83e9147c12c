"""An availability prober: one background thread per target GETs it every ≤ 100 ms with a
short timeout and records each answer, so that a disruption (a node restart, a drain) can be
measured per component at once: who went down first, who came back when.

Only loopback targets: the prober measures what this host reaches through the ports the
cluster publishes on 127.0.0.1, and must never hammer a machine elsewhere. It stops by itself
after `max_duration_s`, so a check that dies mid-way leaves no thread probing forever."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlsplit

import requests

from homelab_acceptance.errors import ConfigurationError
from homelab_acceptance.faults.outages import Availability, Sample, summarise

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
#: The slowest sampling the prober allows: coarser would blur a restart's short outages.
MAX_INTERVAL_S = 0.1


@dataclass(frozen=True)
class ProbeTarget:
    """What to GET and what counts as up: the status, and a body fragment if given."""

    name: str
    url: str
    status: int = 200
    body: str | None = None
    #: PEM file of the CA that signed the target's certificate (the API server's); None: the
    #: system's trust store.
    ca_file: str | None = None


class AvailabilityProber:
    """Samples every target in the background between `start()` and `stop()`. Use it as a
    context manager; constructing one does no I/O."""

    def __init__(
        self,
        targets: Sequence[ProbeTarget],
        *,
        interval_s: float = MAX_INTERVAL_S,
        timeout_s: float = 1.0,
        max_duration_s: float = 600.0,
    ) -> None:
        if not targets:
            raise ConfigurationError("availability prober: no targets given")
        if not 0 < interval_s <= MAX_INTERVAL_S:
            raise ConfigurationError(
                f"availability prober: interval {interval_s}s; it must be > 0 and "
                f"<= {MAX_INTERVAL_S}s"
            )
        names = [target.name for target in targets]
        if len(set(names)) != len(names):
            raise ConfigurationError(f"availability prober: target names repeat: {names}")
        for target in targets:
            _require_loopback(target)
        self.targets = tuple(targets)
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self.max_duration_s = max_duration_s
        self._samples: dict[str, list[Sample]] = {target.name: [] for target in targets}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started_s: float | None = None
        self._disruption_s: float | None = None
        self._result: dict[str, Availability] | None = None

    def start(self) -> None:
        if self._started_s is not None:
            raise ConfigurationError("availability prober: already started")
        self._started_s = time.monotonic()
        for target in self.targets:
            thread = threading.Thread(
                target=self._probe, args=(target,), name=f"probe-{target.name}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def mark_disruption(self) -> float:
        """Note that the disruption begins now: failures and recovery are timed from here
        (from `start()` when never marked). Returns the monotonic instant."""
        self._disruption_s = time.monotonic()
        return self._disruption_s

    def samples(self, target: str) -> tuple[Sample, ...]:
        with self._lock:
            return tuple(self._samples[target])

    def latest(self, target: str) -> Sample | None:
        with self._lock:
            taken = self._samples[target]
            return taken[-1] if taken else None

    @property
    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def stop(self) -> dict[str, Availability]:
        """Stop sampling; per target, its availability over the window (the same figures on
        every later call)."""
        if self._result is not None:
            return self._result
        if self._started_s is None:
            raise ConfigurationError("availability prober: stop() before start()")
        self._stopping.set()
        for thread in self._threads:
            thread.join(self.timeout_s + 5)
        ended = time.monotonic()
        began = self._disruption_s if self._disruption_s is not None else self._started_s
        self._result = {
            target.name: summarise(target.name, self.samples(target.name), began, ended)
            for target in self.targets
        }
        return self._result

    def __enter__(self) -> AvailabilityProber:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _probe(self, target: ProbeTarget) -> None:
        assert self._started_s is not None
        give_up_at = self._started_s + self.max_duration_s
        session = requests.Session()
        session.trust_env = False  # loopback only: no proxy from the environment
        try:
            next_at = time.monotonic()
            while not self._stopping.is_set() and time.monotonic() < give_up_at:
                sample = self._look(session, target)
                with self._lock:
                    self._samples[target.name].append(sample)
                next_at += self.interval_s
                # A look slower than the interval: the next one goes at once, not in a burst.
                next_at = max(next_at, time.monotonic())
                self._stopping.wait(next_at - time.monotonic())
        finally:
            session.close()

    def _look(self, session: requests.Session, target: ProbeTarget) -> Sample:
        wall, monotonic = time.time(), time.monotonic()
        try:
            response = session.get(
                target.url,
                timeout=self.timeout_s,
                verify=target.ca_file or True,
                allow_redirects=False,
                headers={"Connection": "close"},  # each look a fresh connection, as a client's
            )
        except requests.RequestException as error:
            return Sample(monotonic, wall, False, describe_request_error(error))
        if response.status_code != target.status:
            return Sample(monotonic, wall, False, f"HTTP {response.status_code}")
        if target.body is not None and target.body not in response.text:
            return Sample(
                monotonic, wall, False, f"HTTP {response.status_code}: body lacks {target.body!r}"
            )
        return Sample(monotonic, wall, True)


def describe_request_error(error: requests.RequestException) -> str:
    """One short line: the error's kind and, where there is one, the OS's reason
    (`ConnectionError: [Errno 111] Connection refused`), not urllib3's whole retry story."""
    text = " ".join(str(error).split())
    reason = re.search(r"\[Errno -?\d+\] [^'\")]*", text)
    detail = reason.group(0) if reason else text[:120]
    return f"{type(error).__name__}: {detail}"


def _require_loopback(target: ProbeTarget) -> None:
    parts = urlsplit(target.url)
    if parts.scheme not in ("http", "https") or parts.hostname not in LOOPBACK_HOSTS:
        raise ConfigurationError(
            f"availability prober: target {target.name} is {target.url}; only http(s) on "
            "the loopback interface (127.0.0.1, ::1, localhost) is probed"
        )
