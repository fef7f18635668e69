"""Runs over a range of hours (how a backfill runs): every hour is its own materialization with its
own metadata and check results, an hour that fails its blocking checks is not published while the
others are, and the files are the same bytes as those of hour-by-hour runs.

The range runs here are launched as the backfill daemon launches them (the range tags); the
per-hour events rely on Dagster's internal `AssetCheckEvaluation` with target materialization
data (assets/range_runs.py), which these tests pin.
"""

from pathlib import Path

import dagster as dg

from wrapup_assets.assets import ALL_ASSETS, raw_conversation_pages, wrapup_records
from wrapup_assets.checks import KEY_CHECK, QUARANTINE_CHECK, SCHEMA_CHECK
from wrapup_assets_tests.contract.conftest import ExportedDay
from wrapup_assets_tests.contract.planting import publish_raw_conversations, raw_conversations, read_records
from wrapup_assets_tests.runs import latest_check_verdict

HOURS = ["2024-05-01-08:00", "2024-05-01-09:00", "2024-05-01-10:00", "2024-05-01-11:00"]
FAILING_HOUR = HOURS[1]
RECORDS = dg.AssetKey("wrapup_records")
BLOCKING_CHECKS = (SCHEMA_CHECK, KEY_CHECK, QUARANTINE_CHECK)


def range_tags(first: str, last: str) -> dict[str, str]:
    return {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}


def range_run(
    exported_day: ExportedDay, lake: Path, instance: dg.DagsterInstance, selection: list
) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        ALL_ASSETS,
        selection=selection,
        tags=range_tags(HOURS[0], HOURS[-1]),
        resources=exported_day.resources(lake),
        instance=instance,
        raise_on_error=False,
    )


def materializations(instance: dg.DagsterInstance, run_id: str, asset_key: dg.AssetKey) -> dict[str, dict]:
    """The run's materializations of the asset as the instance records them: metadata by partition."""
    records = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=asset_key), limit=1000).records
    return {
        record.partition_key: record.asset_materialization.metadata for record in records if record.run_id == run_id
    }


def part_files(lake: Path, dataset: str) -> dict[str, bytes]:
    """Every Parquet file of a dataset under the lake, by its path relative to the dataset."""
    root = lake / dataset
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*.parquet"))}


def test_a_range_run_records_each_hour_with_its_own_metadata_and_checks_and_keeps_a_failing_hour_out(
    exported_day: ExportedDay, copied_lake: Path, instance: dg.DagsterInstance
) -> None:
    conversations, catalog = raw_conversations(copied_lake, FAILING_HOUR)
    for conversation in conversations[:2]:
        del conversation["conversationStart"]  # 2 of ~40 quarantined: past the 1 % threshold
    publish_raw_conversations(copied_lake, FAILING_HOUR, conversations, catalog)
    before = read_records(copied_lake, FAILING_HOUR)

    result = range_run(exported_day, copied_lake, instance, [wrapup_records])

    assert not result.success
    (failure,) = [event for event in result.all_events if event.event_type_value == "STEP_FAILURE"]
    assert f"1 of 4 hours not published, their checks failed: {FAILING_HOUR} (quarantine_within_threshold)" in (
        failure.step_failure_data.error.message
    )
    materialized = materializations(instance, result.run_id, RECORDS)
    passed_hours = [key for key in HOURS if key != FAILING_HOUR]
    assert sorted(materialized) == passed_hours
    for key in passed_hours:
        assert materialized[key]["dagster/row_count"].value == read_records(copied_lake, key).num_rows
        assert materialized[key]["path"].value.endswith(f"hour={key[-5:-3]}")
    assert len({m["dagster/row_count"].value for m in materialized.values()}) > 1  # each hour its own figures
    assert read_records(copied_lake, FAILING_HOUR).equals(before)  # not published

    verdicts = {
        (check, key): latest_check_verdict(instance, dg.AssetCheckKey(RECORDS, check), key)
        for check in BLOCKING_CHECKS
        for key in passed_hours
    }
    assert verdicts == dict.fromkeys(verdicts, (True, True))
    reconciliation = dg.AssetCheckKey(RECORDS, "reconciled_with_genesys_aggregates")
    assert [latest_check_verdict(instance, reconciliation, key) for key in passed_hours] == [(True, True)] * 3
    assert latest_check_verdict(instance, dg.AssetCheckKey(RECORDS, QUARANTINE_CHECK), FAILING_HOUR)[0] is False


def test_a_range_run_writes_the_same_record_files_as_hour_by_hour_runs(
    exported_day: ExportedDay, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    lake = tmp_path / "lake"

    result = range_run(exported_day, lake, instance, [raw_conversation_pages, wrapup_records])

    assert result.success
    for dataset in ("wrapup_records", "wrapup_records_quarantine"):
        hourly = {
            name: data
            for name, data in part_files(exported_day.lake_dir, dataset).items()
            if any(f"hour={key[-5:-3]}" in name for key in HOURS)
        }
        assert len(hourly) == len(HOURS)
        assert part_files(lake, dataset) == hourly
    assert sorted(materializations(instance, result.run_id, dg.AssetKey("raw_conversation_pages"))) == HOURS
