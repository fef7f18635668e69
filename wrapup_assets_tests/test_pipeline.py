"""The whole pipeline on a real Dagster instance against the emulator over HTTP, read back as a user would."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wrapup_assets.assets import ALL_ASSETS, raw_conversation_pages, wrapup_daily, wrapup_records
from wrapup_assets.checks import reconciled_with_genesys_aggregates
from wrapup_assets.emulator import GenesysEmulator
from wrapup_assets.records.schema import RECORD_SCHEMA

HOUR = "2024-05-01-09:00"
HOUR_START = datetime(2024, 5, 1, 9, tzinfo=UTC)
DAY = "2024-05-01"
DAY_START = datetime(2024, 5, 1, tzinfo=UTC)


def materialize_hour(key: str, resources: dict, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    """The hourly job's assets and checks (the freshness check runs on its own schedule, not here)."""
    return dg.materialize(
        [*ALL_ASSETS, reconciled_with_genesys_aggregates],
        selection=dg.AssetSelection.assets(raw_conversation_pages, wrapup_records)
        | dg.AssetSelection.checks(reconciled_with_genesys_aggregates),
        partition_key=key,
        resources=resources,
        instance=instance,
    )


def lake_files(lake: Path) -> dict[str, bytes]:
    return {str(path.relative_to(lake)): path.read_bytes() for path in sorted(lake.rglob("*")) if path.is_file()}


def sorted_rows(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda row: (row["interaction_id"], row["session_id"]))


def test_an_hour_lands_exactly_the_contract_rows(emulator: GenesysEmulator, resources, instance, lake_dir: Path):
    result = materialize_hour(HOUR, resources, instance)

    partition = lake_dir / "wrapup_records/year=2024/month=05/day=01/hour=09"
    assert sorted(p.name for p in partition.iterdir()) == ["_manifest.json", "part-00000.parquet"]
    table = pq.read_table(partition / "part-00000.parquet")
    assert table.schema.equals(RECORD_SCHEMA)
    expected = sorted_rows(emulator.expected_records(HOUR_START))
    assert len(expected) > 10
    assert sorted_rows(table.to_pylist()) == expected
    assert {(e.check_name, e.passed, e.partition) for e in result.get_asset_check_evaluations()} == {
        ("record_schema", True, HOUR),
        ("key_unique", True, HOUR),
        ("quarantine_within_threshold", True, HOUR),
        ("reconciled_with_genesys_aggregates", True, HOUR),
    }
    raw = lake_dir / "raw_conversation_pages/year=2024/month=05/day=01/hour=09"
    assert sorted(p.name for p in raw.iterdir()) == ["_manifest.json", "pages.jsonl.zst", "wrapup_codes.json"]
    raw_metadata = result.asset_materializations_for_node("raw_conversation_pages")[0].metadata
    # The raw export's requests, then the reconciliation check's own client: a token and one aggregates query.
    paths = [r.path for r in emulator.request_log]
    assert raw_metadata["api_requests"].value == len(paths) - 2
    assert paths[-2:] == ["/oauth/token", "/api/v2/analytics/conversations/aggregates/query"]
    details_queries = [r for r in emulator.request_log if r.path.endswith("/details/query")]
    assert raw_metadata["pages"].value == len(details_queries) == 1  # under 100 conversations: one page


def test_rematerializing_an_hour_converges_to_the_same_files(emulator, resources, instance, lake_dir: Path):
    materialize_hour(HOUR, resources, instance)
    records = lake_dir / "wrapup_records"
    first = {name: data for name, data in lake_files(records).items() if not name.endswith("_manifest.json")}
    materialize_hour(HOUR, resources, instance)
    second = {name: data for name, data in lake_files(records).items() if not name.endswith("_manifest.json")}
    assert second == first
    assert [path for path in (lake_dir / "_staging").rglob("*") if path.is_file()] == []


def test_a_day_compacts_24_hours_sorted_and_duckdb_reads_the_lake(emulator, resources, instance, lake_dir: Path):
    for hour in range(24):
        materialize_hour((DAY_START + timedelta(hours=hour)).strftime("%Y-%m-%d-%H:%M"), resources, instance)
    result = dg.materialize(
        ALL_ASSETS, selection=[wrapup_daily], partition_key=DAY, resources=resources, instance=instance
    )
    assert result.success

    expected = sorted_rows(
        [row for hour in range(24) for row in emulator.expected_records(DAY_START + timedelta(hours=hour))]
    )
    daily_files = sorted((lake_dir / "wrapup_daily/year=2024/month=05/day=01").glob("*.parquet"))
    assert [p.name for p in daily_files] == ["part-00000.parquet"]
    daily = pq.read_table(daily_files[0])
    assert sorted_rows(daily.to_pylist()) == expected
    timestamps = daily["interaction_timestamp"].to_pylist()
    assert timestamps == sorted(timestamps)

    connection = duckdb.connect()
    hourly = connection.execute(
        f"SELECT count(DISTINCT hour), count(*), min(month), min(day) FROM read_parquet("
        f"'{lake_dir}/wrapup_records/**/*.parquet', hive_partitioning = true, "
        "hive_types = {'year': INTEGER, 'month': INTEGER, 'day': INTEGER, 'hour': INTEGER})"
    ).fetchone()
    assert hourly == (24, len(expected), 5, 1)
    per_code = connection.execute(
        f"SELECT wrap_up_code_id, count(*) FROM read_parquet('{lake_dir}/wrapup_daily/**/*.parquet', "
        "hive_partitioning = true) WHERE wrap_up_code_id IS NOT NULL GROUP BY ALL"
    ).fetchall()
    expected_per_code: dict[str, int] = {}
    for row in expected:
        if row["wrap_up_code_id"] is not None:
            expected_per_code[row["wrap_up_code_id"]] = expected_per_code.get(row["wrap_up_code_id"], 0) + 1
    assert dict(per_code) == expected_per_code


def test_daily_refuses_a_day_with_a_missing_hour(emulator, resources, instance, lake_dir: Path):
    materialize_hour(HOUR, resources, instance)
    result = dg.materialize(
        ALL_ASSETS,
        selection=[wrapup_daily],
        partition_key=DAY,
        resources=resources,
        instance=instance,
        raise_on_error=False,
    )
    assert not result.success
    assert not (lake_dir / "wrapup_daily").exists()


@pytest.mark.parametrize("redact, expect_personal", [(True, False), (False, True)])
def test_raw_pages_redact_personal_fields_unless_configured(
    emulator, resources, instance, lake_dir: Path, redact: bool, expect_personal: bool
):
    dg.materialize(
        ALL_ASSETS,
        selection=[raw_conversation_pages],
        partition_key=HOUR,
        resources=resources,
        instance=instance,
        run_config={"ops": {"raw_conversation_pages": {"config": {"redact_personal_data": redact}}}},
    )
    raw = lake_dir / "raw_conversation_pages/year=2024/month=05/day=01/hour=09/pages.jsonl.zst"
    with pa.input_stream(str(raw), compression="zstd") as stream:
        text = stream.read().decode()
    ani_values = [
        session["ani"]
        for conversation in emulator.conversations_for_hour(HOUR_START)
        for participant in conversation.get("participants", [])
        for session in participant.get("sessions", [])
        if "ani" in session
    ]
    assert ani_values
    assert any(f'"{value}"' in text for value in ani_values) is expect_personal
