"""The data-quality checks on a real Dagster instance, over a day exported from the emulator, with
bad data planted in published partitions the way a faulty writer or a changed API would."""

from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from dagster._core.event_api import PartitionKeyFilter

from wrapup_assets.assets import ALL_ASSETS, wrapup_daily, wrapup_records
from wrapup_assets.assets.freshness import newest_hour_fresh
from wrapup_assets.checks import reconciled_with_genesys_aggregates
from wrapup_assets.records import flatten
from wrapup_assets.records.schema import RECORD_SCHEMA
from wrapup_assets_tests.contract.conftest import DAY, ExportedDay
from wrapup_assets_tests.contract.planting import (
    publish_raw_conversations,
    publish_records,
    raw_conversations,
    read_records,
)
from wrapup_assets_tests.runs import latest_check_verdict

HOUR = "2024-05-01-09:00"
NEXT_HOUR = "2024-05-01-10:00"
HOUR_DIR = "year=2024/month=05/day=01/hour=09"


def evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {evaluation.check_name: evaluation for evaluation in result.get_asset_check_evaluations()}


def materialize_day(exported_day: ExportedDay, lake: Path, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        ALL_ASSETS,
        selection=[wrapup_daily],
        partition_key=DAY,
        resources=exported_day.resources(lake),
        instance=instance,
        raise_on_error=False,
    )


def rebuild_hour(
    exported_day: ExportedDay, lake: Path, instance: dg.DagsterInstance, run_config: dict | None = None
) -> dg.ExecuteInProcessResult:
    """wrapup_records of HOUR from its (possibly planted) raw partition, with the reconciliation check."""
    return dg.materialize(
        [*ALL_ASSETS, reconciled_with_genesys_aggregates],
        selection=dg.AssetSelection.assets(wrapup_records)
        | dg.AssetSelection.checks(reconciled_with_genesys_aggregates),
        partition_key=HOUR,
        resources=exported_day.resources(lake),
        instance=instance,
        run_config=run_config or {},
        raise_on_error=False,
    )


def test_the_days_blocking_checks_target_its_latest_materialization_and_passed(
    exported_day: ExportedDay, copied_lake: Path, instance: dg.DagsterInstance
):
    for _ in range(2):  # the second run's results follow the second version
        assert materialize_day(exported_day, copied_lake, instance).success

    daily = dg.AssetKey("wrapup_daily")
    verdicts = [
        latest_check_verdict(instance, dg.AssetCheckKey(daily, name), DAY) for name in ("record_schema", "key_unique")
    ]
    assert verdicts == [(True, True), (True, True)]


def test_a_key_duplicated_across_two_hours_stops_the_daily_naming_the_key(
    exported_day: ExportedDay, copied_lake: Path, instance: dg.DagsterInstance
):
    stray = read_records(copied_lake, HOUR).slice(0, 1)
    publish_records(copied_lake, NEXT_HOUR, pa.concat_tables([read_records(copied_lake, NEXT_HOUR), stray]))

    result = materialize_day(exported_day, copied_lake, instance)

    assert not result.success
    checks = evaluations(result)
    key = f"{stray['interaction_id'][0].as_py()}/{stray['session_id'][0].as_py()}"
    assert (checks["key_unique"].passed, checks["key_unique"].partition) == (False, DAY)
    assert checks["key_unique"].severity == dg.AssetCheckSeverity.ERROR
    assert checks["key_unique"].metadata["duplicate_keys"].value == 1
    assert checks["key_unique"].metadata["first_duplicates"].value == key
    assert checks["record_schema"].passed
    assert not (copied_lake / "wrapup_daily").exists()


def test_a_wrong_type_in_an_hour_stops_the_daily_naming_the_hour_and_column(
    exported_day: ExportedDay, copied_lake: Path, instance: dg.DagsterInstance
):
    hour = read_records(copied_lake, NEXT_HOUR)
    as_text = hour.set_column(
        hour.schema.get_field_index("handle_ms"), "handle_ms", hour["handle_ms"].cast(pa.string())
    )
    publish_records(copied_lake, NEXT_HOUR, as_text)

    result = materialize_day(exported_day, copied_lake, instance)

    assert not result.success
    checks = evaluations(result)
    assert (checks["record_schema"].passed, checks["record_schema"].partition) == (False, DAY)
    assert checks["record_schema"].metadata["mismatched_partitions"].value == NEXT_HOUR
    assert (
        checks["record_schema"].metadata["mismatched_columns"].value
        == f"{NEXT_HOUR}: handle_ms: expected int64, found string"
    )
    assert checks["key_unique"].passed  # keys are still compared across all 24 hours
    assert not (copied_lake / "wrapup_daily").exists()


def test_reconciliation_warns_on_the_hour_that_lost_a_conversation(
    exported_day: ExportedDay, copied_lake: Path, instance: dg.DagsterInstance
):
    records = read_records(copied_lake, HOUR)
    handled = records.filter(pc.and_(pc.is_valid(records["handle_ms"]), pc.is_valid(records["wrap_up_code_id"])))
    lost_id = handled["interaction_id"][0].as_py()
    lost_rows = handled.filter(pc.equal(handled["interaction_id"], lost_id))
    lost_codes = sorted(lost_rows["wrap_up_code_id"].cast(pa.string()).to_pylist())
    conversations, catalog = raw_conversations(copied_lake, HOUR)
    kept = [conversation for conversation in conversations if conversation["conversationId"] != lost_id]
    publish_raw_conversations(copied_lake, HOUR, kept, catalog)

    result = rebuild_hour(exported_day, copied_lake, instance)

    assert result.success  # a warning never blocks
    check = evaluations(result)["reconciled_with_genesys_aggregates"]
    assert (check.passed, check.severity, check.partition) == (False, dg.AssetCheckSeverity.WARN, HOUR)
    assert check.metadata["codes_differing"].value == len(set(lost_codes))
    genesys_total = check.metadata["genesys_sessions"].value
    assert check.metadata["rows_with_handle_time"].value == genesys_total - len(lost_codes)
    for code in set(lost_codes):
        assert code in check.metadata["first_differences"].value


def test_malformed_conversations_go_to_the_quarantine_and_fail_the_hour_past_the_threshold(
    exported_day: ExportedDay, copied_lake: Path, instance: dg.DagsterInstance
):
    conversations, catalog = raw_conversations(copied_lake, HOUR)
    records_before = read_records(copied_lake, HOUR)
    victim = records_before["interaction_id"][0].as_py()
    for conversation in conversations:
        if conversation["conversationId"] == victim:
            del conversation["conversationStart"]
    conversations[-1]["futureConversationField"] = {"added": "by Genesys"}
    publish_raw_conversations(copied_lake, HOUR, conversations, catalog)

    blocked = rebuild_hour(exported_day, copied_lake, instance)

    assert not blocked.success
    check = evaluations(blocked)["quarantine_within_threshold"]
    assert (check.passed, check.partition) == (False, HOUR)
    assert check.metadata["quarantined"].value == 1
    assert check.metadata["conversations_seen"].value == len(conversations)
    assert check.metadata["first_quarantined"].value == (
        f"conversation {victim}: Object missing required field `conversationStart`"
    )
    assert read_records(copied_lake, HOUR).equals(records_before)  # nothing published
    # The reconciliation check's step did not run (the run failed first): its verdict on the rows as
    # built is recorded instead of a planned execution that the UI would show as "execution failed".
    reconciliation = dg.AssetCheckKey(dg.AssetKey("wrapup_records"), "reconciled_with_genesys_aggregates")
    record = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [reconciliation], partition_filter=PartitionKeyFilter(key=HOUR)
    )[reconciliation]
    assert (record.run_id, record.status.value) == (blocked.run_id, "FAILED")  # a warning: one session missing
    assert record.evaluation.severity == dg.AssetCheckSeverity.WARN
    assert record.evaluation.description.startswith("On the hour's rows as built, not published: ")
    quarantine_file = copied_lake / "wrapup_records_quarantine" / HOUR_DIR / "part-00000.parquet"
    assert pq.read_table(quarantine_file).num_rows == 0  # the hour's previous, empty quarantine

    allowed = rebuild_hour(
        exported_day, copied_lake, instance, {"ops": {"wrapup_records": {"config": {"max_quarantined_fraction": 0.5}}}}
    )

    assert allowed.success
    assert evaluations(allowed)["quarantine_within_threshold"].passed
    quarantine = pq.read_table(quarantine_file)
    assert quarantine.select(["conversation_id", "page_number", "reason"]).to_pylist() == [
        {"conversation_id": victim, "page_number": 1, "reason": "Object missing required field `conversationStart`"}
    ]
    assert '"conversationStart"' not in quarantine["conversation_json"][0].as_py()
    assert victim in quarantine["conversation_json"][0].as_py()
    records = read_records(copied_lake, HOUR)
    assert records.schema.equals(RECORD_SCHEMA)
    assert victim not in records["interaction_id"].to_pylist()
    assert records.num_rows == records_before.num_rows - records_before["interaction_id"].to_pylist().count(victim)
    metadata = next(
        m.metadata
        for m in allowed.asset_materializations_for_node("wrapup_records")
        if m.asset_key.path == ["wrapup_records"]
    )
    assert metadata["conversations_quarantined"].value == 1
    assert metadata["unknown_fields"].value == 1
    assert metadata["unknown_field_names"].value == "conversation.futureConversationField"


def test_freshness_warns_when_the_newest_hour_is_older_than_the_setting(
    exported_day: ExportedDay, copied_lake: Path, instance: dg.DagsterInstance
):
    def run_freshness(max_lag_hours: float | None = None) -> dg.AssetCheckEvaluation:
        config = {} if max_lag_hours is None else {"config": {"max_lag_hours": max_lag_hours}}
        result = dg.materialize(
            [*ALL_ASSETS, newest_hour_fresh],
            selection=dg.AssetSelection.checks(newest_hour_fresh),
            resources=exported_day.resources(copied_lake),
            instance=instance,
            run_config={"ops": {"wrapup_records_newest_hour_fresh": config}} if config else {},
        )
        assert result.success
        (evaluation,) = result.get_asset_check_evaluations()
        return evaluation

    never = run_freshness()
    assert (never.passed, never.severity) == (False, dg.AssetCheckSeverity.WARN)
    assert never.description == "no hour of wrapup_records has been materialized yet"

    assert rebuild_hour(exported_day, copied_lake, instance).success
    stale = run_freshness()
    assert not stale.passed
    assert stale.metadata["newest_hour_end"].value == "2024-05-01T10:00:00+00:00"
    assert stale.metadata["max_lag_hours"].value == 4.0
    assert run_freshness(max_lag_hours=10 * 365 * 24).passed


def test_selecting_only_wrapup_records_rebuilds_the_records_and_leaves_the_quarantine(
    exported_day: ExportedDay, copied_lake: Path, instance: dg.DagsterInstance
):
    """`dagster asset materialize --select raw_conversation_pages,wrapup_records` (the README's command)."""
    quarantine_file = copied_lake / "wrapup_records_quarantine" / HOUR_DIR / "part-00000.parquet"
    before = quarantine_file.read_bytes()

    result = rebuild_hour_records(exported_day, copied_lake, instance)

    assert result.success
    assert [m.asset_key.to_user_string() for m in result.get_asset_materialization_events()] == ["wrapup_records"]
    assert {e.check_name for e in result.get_asset_check_evaluations()} == {
        "record_schema",
        "key_unique",
        "quarantine_within_threshold",
    }
    assert quarantine_file.read_bytes() == before


def test_records_rebuilt_by_page_workers_are_the_same_rows(
    exported_day: ExportedDay, copied_lake: Path, instance: dg.DagsterInstance, monkeypatch
):
    """`page_workers: 2` flattens in two worker processes (from the first page here, the hour is
    small) and publishes exactly the rows the step's own process built."""
    monkeypatch.setattr(flatten, "PARALLEL_AFTER_PAGES", 0)
    records_file = copied_lake / "wrapup_records" / HOUR_DIR / "part-00000.parquet"
    before = pq.read_table(records_file)

    result = rebuild_hour_records(exported_day, copied_lake, instance, page_workers=2)

    assert result.success
    assert pq.read_table(records_file).equals(before)
    assert before.num_rows > 0


def test_page_workers_below_one_are_refused_naming_the_setting(
    exported_day: ExportedDay, copied_lake: Path, instance: dg.DagsterInstance
):
    result = rebuild_hour_records(exported_day, copied_lake, instance, page_workers=0)

    assert not result.success
    assert "page_workers" in str(result.failure_data_for_node("wrapup_records").error)


def rebuild_hour_records(
    exported_day: ExportedDay, lake: Path, instance: dg.DagsterInstance, **records_config: object
) -> dg.ExecuteInProcessResult:
    """`wrapup_records` alone for HOUR (`dagster asset materialize --select wrapup_records`), from
    the raw partition already in `lake`, with `records_config` as its run config."""
    return dg.materialize(
        ALL_ASSETS,
        selection=[dg.AssetKey("wrapup_records")],
        partition_key=HOUR,
        resources=exported_day.resources(lake),
        instance=instance,
        run_config={"ops": {"wrapup_records": {"config": records_config}}},
        raise_on_error=False,
    )
