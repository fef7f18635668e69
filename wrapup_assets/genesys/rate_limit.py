"""Client-side pacing so one OAuth client stays inside its per-minute Genesys request quota."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

WINDOW_SECONDS = 60.0


class RequestPacer:
    """A sliding 60-second window: `acquire()` blocks until sending one more request keeps the
    count in every window at or below `requests_per_minute`.

    Genesys counts the quota per OAuth client, so all threads of one client share one pacer.
    Pacing up front costs less than collecting 429s and sleeping through their Retry-After.
    """

    def __init__(
        self,
        requests_per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if requests_per_minute < 1:
            raise ValueError(f"requests_per_minute must be at least 1, got {requests_per_minute}")
        self.requests_per_minute = requests_per_minute
        self._clock = clock
        self._sleep = sleep
        self._sent_at: deque[float] = deque()
        # Held while waiting, so waiting threads are served one after another.
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Wait until one more request fits the budget, then record it as sent."""
        with self._lock:
            while True:
                now = self._clock()
                while self._sent_at and self._sent_at[0] <= now - WINDOW_SECONDS:
                    self._sent_at.popleft()
                if len(self._sent_at) < self.requests_per_minute:
                    self._sent_at.append(now)
                    return
                self._sleep(self._sent_at[0] + WINDOW_SECONDS - now)
