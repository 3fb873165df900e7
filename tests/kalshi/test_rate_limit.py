"""Token bucket behaviour under an injected clock: no real time involved."""

from __future__ import annotations

import pytest

from edge_dagster.kalshi.rate_limit import TokenBucket


class FakeTime:
    """A clock that only moves when told to or when something sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def bucket(fake_time: FakeTime, rate: float = 2, capacity: float = 2) -> TokenBucket:
    return TokenBucket(rate, capacity, clock=fake_time.clock, sleep=fake_time.sleep)


def test_burst_up_to_capacity_does_not_wait() -> None:
    fake_time = FakeTime()
    limiter = bucket(fake_time)

    waits = [limiter.acquire(), limiter.acquire()]

    assert waits == [0.0, 0.0]
    assert fake_time.sleeps == []


def test_acquire_beyond_capacity_sleeps_for_the_deficit() -> None:
    fake_time = FakeTime()
    limiter = bucket(fake_time)
    limiter.acquire()
    limiter.acquire()

    limiter.acquire()

    assert fake_time.sleeps == [0.5]


def test_tokens_refill_with_elapsed_time() -> None:
    fake_time = FakeTime()
    limiter = bucket(fake_time)
    limiter.acquire(2)
    fake_time.now += 1.0

    assert limiter.acquire(2) == 0.0


def test_refill_never_exceeds_capacity() -> None:
    fake_time = FakeTime()
    limiter = bucket(fake_time)
    fake_time.now += 60.0

    limiter.acquire(3)

    assert fake_time.sleeps == [0.5]


def test_cost_above_capacity_waits_instead_of_deadlocking() -> None:
    fake_time = FakeTime()
    limiter = bucket(fake_time)

    limiter.acquire(6)

    assert fake_time.sleeps == [2.0]


def test_simultaneous_callers_queue_behind_earlier_reservations() -> None:
    sleeps: list[float] = []
    limiter = TokenBucket(1, 1, clock=lambda: 100.0, sleep=sleeps.append)

    for _ in range(3):
        limiter.acquire()

    assert sleeps == [1.0, 2.0]


@pytest.mark.parametrize(("rate", "capacity"), [(0, 1), (1, 0), (-1, 1)])
def test_rejects_non_positive_settings(rate: float, capacity: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        TokenBucket(rate, capacity)
