"""The daily automation: a day is compacted once all 24 hours exist and one is newer than it, once."""

from datetime import UTC, datetime

import dagster as dg

from wrapup_assets.definitions import defs
from wrapup_assets.partitions import day_hour_keys
from wrapup_assets_tests.automation.conftest import record_materialized, start_run_for_hour

DAY = "2024-05-01"
HOURS = day_hour_keys(DAY)
WRAPUP_DAILY = dg.AssetSelection.assets("wrapup_daily")


class Ticks:
    """Successive evaluations of the automation, each a minute later, carrying the cursor like the sensor."""

    def __init__(self, instance: dg.DagsterInstance, start: datetime) -> None:
        self.instance, self.now, self.cursor = instance, start, None

    def requested_days(self) -> list[str]:
        result = dg.evaluate_automation_conditions(
            defs=defs,
            instance=self.instance,
            asset_selection=WRAPUP_DAILY,
            evaluation_time=self.now,
            cursor=self.cursor,
        )
        self.cursor = result.cursor
        self.now = self.now.replace(minute=self.now.minute + 1)
        return sorted(result.get_requested_partitions(dg.AssetKey("wrapup_daily")))


def test_fires_on_the_24th_hour_not_before_and_not_again(instance):
    ticks = Ticks(instance, datetime(2024, 5, 2, 1, 0, tzinfo=UTC))
    assert ticks.requested_days() == []
    for hour in HOURS[:23]:
        record_materialized(instance, "wrapup_records", hour)
        assert ticks.requested_days() == []
    record_materialized(instance, "wrapup_records", HOURS[23])
    assert ticks.requested_days() == [DAY]
    assert ticks.requested_days() == []
    record_materialized(instance, "wrapup_daily", DAY)
    assert ticks.requested_days() == []


def test_compacts_older_days_that_catch_up_fills(instance):
    """Not just the latest day: a day a week back, refilled after downtime, is compacted too."""
    ticks = Ticks(instance, datetime(2024, 5, 9, 1, 0, tzinfo=UTC))
    assert ticks.requested_days() == []
    for hour in HOURS:
        record_materialized(instance, "wrapup_records", hour)
    assert ticks.requested_days() == [DAY]


def test_restated_hours_recompact_the_day_once_all_have_landed(instance):
    ticks = Ticks(instance, datetime(2024, 5, 4, 3, 30, tzinfo=UTC))
    for hour in HOURS:
        record_materialized(instance, "wrapup_records", hour)
    record_materialized(instance, "wrapup_daily", DAY)
    assert ticks.requested_days() == []

    # The restatement schedule queues the day's 24 runs at once: while any is in flight, the day waits.
    runs = [start_run_for_hour(instance, hour) for hour in HOURS]
    for hour in HOURS[:23]:
        record_materialized(instance, "wrapup_records", hour)
        assert ticks.requested_days() == []
    for run in runs[:23]:
        instance.report_run_canceled(run)
    assert ticks.requested_days() == []  # the last hour is still in flight

    record_materialized(instance, "wrapup_records", HOURS[23])
    instance.report_run_canceled(runs[23])
    assert ticks.requested_days() == [DAY]
    record_materialized(instance, "wrapup_daily", DAY)
    assert ticks.requested_days() == []
