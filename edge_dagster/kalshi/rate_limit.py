"""Client-side token bucket, so we stay under Kalshi's per-key budget instead of eating 429s."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    """Thread-safe token bucket holding at most ``capacity`` tokens, refilled continuously.

    ``acquire`` reserves its tokens immediately, letting the balance go negative, then sleeps
    off the deficit outside the lock. Callers are therefore served in arrival order, and a cost
    larger than ``capacity`` (a big batch) waits instead of deadlocking. ``clock`` and ``sleep``
    are injectable so tests need no real time.
    """

    def __init__(
        self,
        rate_per_second: float,
        capacity: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_second <= 0 or capacity <= 0:
            raise ValueError("rate_per_second and capacity must be positive")
        self._rate = rate_per_second
        self._capacity = capacity
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = capacity
        self._refilled_at = clock()

    def acquire(self, cost: float = 1) -> float:
        """Take ``cost`` tokens, sleeping until they exist; returns the seconds slept."""
        if cost <= 0:
            raise ValueError("cost must be positive")
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._refilled_at)
            self._tokens = min(self._capacity, self._tokens + elapsed * self._rate)
            self._refilled_at = now
            self._tokens -= cost
            wait = -self._tokens / self._rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait
