from datetime import UTC, datetime, timedelta, timezone

import pytest

from wrapup_assets.genesys.paging import (
    exceeds_pagination_cap,
    format_interval,
    halve_interval,
    is_pagination_cap_message,
)

HOUR = datetime(2024, 5, 1, 9, tzinfo=UTC)


def test_interval_is_utc_with_milliseconds():
    cest = timezone(timedelta(hours=2))
    start = datetime(2024, 5, 1, 11, 0, 0, 123456, tzinfo=cest)
    assert format_interval(start, HOUR + timedelta(hours=1)) == ("2024-05-01T09:00:00.123Z/2024-05-01T10:00:00.000Z")


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="naive datetime"):
        format_interval(datetime(2024, 5, 1, 9), HOUR)


def test_cap_is_exceeded_only_above_one_hundred_thousand():
    assert not exceeds_pagination_cap(100_000)
    assert exceeds_pagination_cap(100_001)
    assert exceeds_pagination_cap(51, result_cap=50)


def test_cap_refusal_is_recognised_by_its_genesys_message():
    assert is_pagination_cap_message("Pagination may not exceed 100000 results.")
    assert not is_pagination_cap_message("Invalid interval")
    assert not is_pagination_cap_message(None)


def test_hour_halves_at_half_past():
    assert halve_interval(HOUR, HOUR + timedelta(hours=1)) == (
        (HOUR, HOUR + timedelta(minutes=30)),
        (HOUR + timedelta(minutes=30), HOUR + timedelta(hours=1)),
    )


def test_odd_interval_is_cut_on_a_whole_millisecond():
    end = HOUR + timedelta(minutes=3, milliseconds=1)
    first, second = halve_interval(HOUR, end)
    assert first == (HOUR, HOUR + timedelta(seconds=90))
    assert second == (HOUR + timedelta(seconds=90), end)


def test_interval_shorter_than_two_minutes_is_not_split():
    assert halve_interval(HOUR, HOUR + timedelta(minutes=2)) is not None
    assert halve_interval(HOUR, HOUR + timedelta(minutes=2) - timedelta(milliseconds=1)) is None
