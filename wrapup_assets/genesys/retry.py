"""Which failures of a Genesys call are worth another attempt, and how long to wait before it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# Genesys' Retry-After is honoured in full, but a server asking for more than this is treated as
# misconfigured rather than left to stall a run for hours.
RETRY_AFTER_CAP_SECONDS = 300.0


def is_retryable_status(status: int) -> bool:
    """Rate limits and transient server errors pass; other 4xx would fail the same way again."""
    return status in RETRYABLE_STATUSES


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded attempts with full-jitter exponential backoff, deferring to the server's Retry-After.

    Full jitter spreads the retries of parallel runs sharing one OAuth client's quota, so they do
    not hit the rate limit again in lockstep.
    """

    max_attempts: int = 6
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 60.0

    def delay_for(self, attempt: int, retry_after: str | None, rng: random.Random) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        server_delay = parse_retry_after(retry_after)
        if server_delay is not None:
            return min(server_delay, RETRY_AFTER_CAP_SECONDS)
        ceiling = min(self.backoff_cap_seconds, self.backoff_base_seconds * 2 ** (attempt - 1))
        return rng.uniform(0, ceiling)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date; None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
