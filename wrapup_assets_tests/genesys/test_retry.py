import random
from datetime import UTC, datetime

import pytest

from wrapup_assets.genesys.retry import RetryPolicy, is_retryable_status, parse_retry_after


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_rate_limits_and_transient_server_errors_are_retried(status):
    assert is_retryable_status(status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 501])
def test_client_errors_are_not_retried(status):
    assert not is_retryable_status(status)


def test_retry_after_seconds_are_honoured_exactly():
    assert RetryPolicy().delay_for(3, "42", random.Random(0)) == 42.0


def test_retry_after_is_capped_at_five_minutes():
    assert RetryPolicy().delay_for(1, "3600", random.Random(0)) == 300.0


def test_retry_after_http_date_is_seconds_from_now():
    now = datetime(2024, 5, 1, 9, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Wed, 01 May 2024 09:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Wed, 01 May 2024 08:59:00 GMT", now=now) == 0.0


def test_unreadable_retry_after_falls_back_to_backoff():
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_backoff_is_full_jitter_under_an_exponential_ceiling():
    policy = RetryPolicy(backoff_base_seconds=1.0, backoff_cap_seconds=60.0)
    rng = random.Random(1)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (6, 32.0), (7, 60.0), (12, 60.0)]:
        expected = random.Random(1)
        expected.setstate(rng.getstate())
        assert policy.delay_for(attempt, None, rng) == expected.uniform(0, ceiling)


class TopOfRange:
    def uniform(self, low, high):
        return high


def test_backoff_ceiling_never_passes_the_cap():
    policy = RetryPolicy(backoff_base_seconds=1.0, backoff_cap_seconds=60.0)
    assert [policy.delay_for(a, None, TopOfRange()) for a in range(1, 9)] == [
        1.0,
        2.0,
        4.0,
        8.0,
        16.0,
        32.0,
        60.0,
        60.0,
    ]
