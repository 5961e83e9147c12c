from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

import pytest

from homelab_acceptance import waiting
from homelab_acceptance.errors import WaitHopeless, WaitTimeout
from homelab_acceptance.pytest_plugin.session_state import HEARTBEAT_ENV
from homelab_acceptance.waiting import Observation, heartbeats, wait_for

pytest_plugins = ["pytester"]


def test_returns_the_first_satisfied_observation() -> None:
    looks = itertools.count()

    def look() -> Observation:
        n = next(looks)
        return Observation(n >= 2, f"look {n}")

    assert wait_for(look, awaiting="third look", timeout_s=5, poll_s=0.01).seen == "look 2"


def test_timeout_names_what_was_awaited_and_what_was_last_seen() -> None:
    with pytest.raises(WaitTimeout) as raised:
        wait_for(
            lambda: Observation(False, "phase Pending"),
            awaiting="pod x",
            timeout_s=0.05,
            poll_s=0.01,
        )
    message = str(raised.value)
    assert "waiting for pod x" in message
    assert "last seen: phase Pending" in message
    assert "\n" not in message


def test_a_hopeless_look_ends_the_wait_at_once_with_what_it_saw() -> None:
    looks = itertools.count()

    def look() -> Observation:
        n = next(looks)
        return Observation(False, f"look {n}: ErrImageNeverPull", hopeless=n >= 1)

    with pytest.raises(WaitHopeless) as raised:
        wait_for(look, awaiting="pod x", timeout_s=300, poll_s=0.01)
    assert next(looks) == 2  # the second look was the last
    assert raised.value.seen == "look 1: ErrImageNeverPull"
    assert raised.value.waited_s < 300
    assert str(raised.value).startswith("gave up waiting for pod x after 0s of 300s: look 1")


def test_a_bug_while_looking_propagates_at_once() -> None:
    def look() -> Observation:
        raise KeyError("namespace")

    with pytest.raises(KeyError):
        wait_for(look, awaiting="the API", timeout_s=30, poll_s=0.01)


def test_an_exception_while_looking_is_not_yet_and_becomes_last_seen() -> None:
    def look() -> Observation:
        raise ConnectionRefusedError("connection refused")

    with pytest.raises(WaitTimeout, match="ConnectionRefusedError: connection refused"):
        wait_for(look, awaiting="the API", timeout_s=0.05, poll_s=0.01)


class FakeClock:
    """Stands in for `time` in the waiting module: sleeping moves the clock, nothing waits."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(waiting, "time", fake)
    return fake


def ready_after(clock: FakeClock, seconds: float) -> Callable[[], Observation]:
    def look() -> Observation:
        return Observation(clock.now >= seconds, f"{clock.now:.0f} s on the clock")

    return look


def test_a_long_wait_tells_the_heartbeat_what_it_awaits_and_last_saw_once_per_interval(
    clock: FakeClock,
) -> None:
    lines: list[str] = []
    with heartbeats(lines.append, every_s=10):
        wait_for(ready_after(clock, 35), awaiting="the API", timeout_s=60, poll_s=1)
    assert lines == [
        "still waiting for the API (10s of 60s); last seen: 10 s on the clock",
        "still waiting for the API (20s of 60s); last seen: 20 s on the clock",
        "still waiting for the API (30s of 60s); last seen: 30 s on the clock",
    ]


def test_a_short_wait_says_nothing(clock: FakeClock) -> None:
    lines: list[str] = []
    with heartbeats(lines.append, every_s=10):
        wait_for(ready_after(clock, 9), awaiting="the API", timeout_s=60, poll_s=1)
    assert lines == []


def test_what_was_last_seen_is_one_line_of_at_most_200_characters(clock: FakeClock) -> None:
    lines: list[str] = []

    def look() -> Observation:
        return Observation(clock.now >= 2, "a long\nanswer " * 50)

    with heartbeats(lines.append, every_s=1):
        wait_for(look, awaiting="the API", timeout_s=60, poll_s=1)
    seen = lines[0].split("; last seen: ", 1)[1]
    assert "\n" not in seen
    assert len(seen) == 200
    assert seen.startswith("a long answer a long answer")


def test_without_a_heartbeat_a_long_wait_is_silent_and_the_one_before_comes_back(
    clock: FakeClock,
) -> None:
    lines: list[str] = []
    with heartbeats(lines.append, every_s=10):
        with heartbeats(None):
            wait_for(ready_after(clock, 35), awaiting="silently", timeout_s=60, poll_s=1)
        assert lines == []
        wait_for(ready_after(clock, 70), awaiting="aloud", timeout_s=60, poll_s=1)
    assert lines[0].startswith("still waiting for aloud (10s of 60s)")


def test_a_failing_heartbeat_does_not_disturb_the_wait(clock: FakeClock) -> None:
    def broken(_line: str) -> None:
        raise OSError("the terminal is gone")

    with heartbeats(broken, every_s=1):
        seen = wait_for(ready_after(clock, 5), awaiting="the API", timeout_s=60, poll_s=1).seen
    assert seen == "5 s on the clock"


def test_a_wait_that_opts_out_is_silent(clock: FakeClock) -> None:
    lines: list[str] = []
    with heartbeats(lines.append, every_s=1):
        wait_for(ready_after(clock, 30), awaiting="a watch", timeout_s=60, heartbeat=False)
    assert lines == []


def test_a_wait_in_another_thread_tells_the_same_heartbeat(clock: FakeClock) -> None:
    lines: list[str] = []
    with heartbeats(lines.append, every_s=10):
        thread = threading.Thread(
            target=wait_for,
            args=(ready_after(clock, 15),),
            kwargs={"awaiting": "the prober", "timeout_s": 60, "poll_s": 1},
        )
        thread.start()
        thread.join()
    assert lines == ["still waiting for the prober (10s of 60s); last seen: 10 s on the clock"]


#: A run's checks: one waits half a second, one says a progress line and a chatter line.
SLOW_SUITE = """
import time

from homelab_acceptance.pytest_plugin.session_state import progress_printer
from homelab_acceptance.waiting import Observation, wait_for


def test_waits_half_a_second():
    until = time.monotonic() + 0.5
    wait_for(
        lambda: Observation(time.monotonic() >= until, "short of the mark"),
        awaiting="the mark",
        timeout_s=30,
        poll_s=0.02,
    )


def test_says_things(request):
    progress_printer(request.config)("a line to act on")
    progress_printer(request.config, chatter=True)("a line that shows the run is alive")
"""


@pytest.mark.parametrize("quiet", [False, True], ids=["default", "-q"])
def test_a_run_shows_a_long_wait_and_its_chatter_except_under_q(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, quiet: bool
) -> None:
    monkeypatch.setenv(HEARTBEAT_ENV, "0.1")
    pytester.makepyfile(test_slow=SLOW_SUITE)
    run = pytester.runpytest(
        "--cluster=debian://", "-p", "no:cacheprovider", *(["-q"] if quiet else [])
    )
    run.assert_outcomes(passed=2)
    beats = [line for line in run.outlines if "still waiting for the mark (" in line]
    assert all(line.endswith("s of 30s); last seen: short of the mark") for line in beats)
    output = run.stdout.str()
    assert "a line to act on" in output
    if quiet:
        assert beats == []
        assert "a line that shows the run is alive" not in output
    else:
        assert 1 <= len(beats) <= 5, beats
        assert "a line that shows the run is alive" in output


def test_a_heartbeat_interval_that_is_no_number_is_a_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(HEARTBEAT_ENV, "soon")
    run = pytester.runpytest("--cluster=debian://", "-p", "no:cacheprovider")
    assert run.ret == pytest.ExitCode.USAGE_ERROR
    assert f"{HEARTBEAT_ENV}='soon': expected seconds, a positive number" in run.stderr.str()
