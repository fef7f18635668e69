from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

from wrapup_assets.emulator import GenesysEmulator
from wrapup_assets_tests.emulator.conftest import ApiSession

AGGREGATES = "/api/v2/analytics/conversations/aggregates/query"
DAY = datetime(2024, 5, 1, tzinfo=UTC)


def test_hourly_totals_per_code_agree_with_the_expected_records(emulator: GenesysEmulator, api: ApiSession) -> None:
    response = api.post(
        AGGREGATES,
        {
            "interval": "2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z",
            "granularity": "PT1H",
            "timeZone": "UTC",
            "groupBy": ["wrapUpCode"],
            "metrics": ["tHandle", "tAcw"],
        },
    )
    assert response.status_code == 200, response.text
    reported: dict[tuple[str | None, str, str], dict[str, int]] = {}
    for result in response.json()["results"]:
        for bucket in result["data"]:
            for metric in bucket["metrics"]:
                key = (result["group"].get("wrapUpCode"), bucket["interval"][:13], metric["metric"])
                reported[key] = metric["stats"]
    expected_counts: Counter[tuple[str | None, str, str]] = Counter()
    expected_sums: defaultdict[tuple[str | None, str, str], int] = defaultdict(int)
    for hour in range(24):
        for row in emulator.expected_records(DAY + timedelta(hours=hour)):
            for metric, column in (("tHandle", "handle_ms"), ("tAcw", "acw_ms")):
                if row[column] is not None:
                    key = (row["wrap_up_code_id"], row["interaction_timestamp"].strftime("%Y-%m-%dT%H"), metric)
                    expected_counts[key] += 1
                    expected_sums[key] += row[column]
    assert {key: stats["count"] for key, stats in reported.items()} == dict(expected_counts)
    assert {key: stats["sum"] for key, stats in reported.items()} == dict(expected_sums)
    assert any(code is None for code, _, _ in reported)


def test_unsupported_group_by_is_a_bad_request(api: ApiSession) -> None:
    response = api.post(
        AGGREGATES,
        {"interval": "2024-05-01T00:00:00Z/2024-05-02T00:00:00Z", "groupBy": ["queueId"], "metrics": ["tHandle"]},
    )
    assert response.status_code == 400
