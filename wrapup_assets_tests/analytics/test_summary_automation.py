"""The mart follows wrapup_daily by itself: once per new day, once the histories exist, and a
history refresh does not recompute every day."""

from datetime import UTC, datetime, timedelta

import dagster as dg

from wrapup_assets.definitions import defs
from wrapup_assets_tests.automation.conftest import record_materialized

SUMMARY = dg.AssetKey("wrapup_summary_daily")
HISTORIES = ("wrapup_codes", "genesys_queues", "genesys_divisions")


def requested_days(instance: dg.DagsterInstance, ticks: list) -> list[str]:
    """One evaluation of the summary's automation, a minute after the previous one, carrying the cursor."""
    now = datetime(2024, 5, 9, 1, tzinfo=UTC) + timedelta(minutes=len(ticks))
    result = dg.evaluate_automation_conditions(
        defs=defs,
        instance=instance,
        asset_selection=dg.AssetSelection.assets(SUMMARY),
        evaluation_time=now,
        cursor=ticks[-1] if ticks else None,
    )
    ticks.append(result.cursor)
    return sorted(result.get_requested_partitions(SUMMARY))


def test_a_new_day_of_wrapup_daily_is_summarized_once_the_histories_exist(instance):
    ticks: list = []
    assert requested_days(instance, ticks) == []
    record_materialized(instance, "wrapup_daily", "2024-05-01")
    assert requested_days(instance, ticks) == []  # no history yet: names would be missing
    for history in HISTORIES:
        record_materialized(instance, history, None)
    assert requested_days(instance, ticks) == ["2024-05-01"]
    assert requested_days(instance, ticks) == []
    record_materialized(instance, "wrapup_summary_daily", "2024-05-01")
    record_materialized(instance, "wrapup_daily", "2024-05-03")
    assert requested_days(instance, ticks) == ["2024-05-03"]


def test_a_history_refresh_recomputes_no_day(instance):
    ticks: list = []
    for history in HISTORIES:
        record_materialized(instance, history, None)
    for day in ("2024-05-01", "2024-05-02"):
        record_materialized(instance, "wrapup_daily", day)
        record_materialized(instance, "wrapup_summary_daily", day)
    assert requested_days(instance, ticks) == []
    record_materialized(instance, "genesys_queues", None)
    assert requested_days(instance, ticks) == []
    record_materialized(instance, "wrapup_daily", "2024-05-02")  # a recompacted day
    assert requested_days(instance, ticks) == ["2024-05-02"]
