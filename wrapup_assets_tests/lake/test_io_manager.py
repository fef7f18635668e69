import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pytest
from dagster_aws.s3 import S3Resource

from wrapup_assets.lake.errors import PartitionNotPublishedError, UnsupportedPartitioningError
from wrapup_assets.lake.io_manager import LakeIOManager
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.manifest import read_manifest
from wrapup_assets.lake.parquet_files import read_parquet_partition, write_parquet_parts
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.lake.payloads import RawPagesOutput, RawPagesPartition
from wrapup_assets.lake.publish import stage_partition
from wrapup_assets.resources import lake_io_manager
from wrapup_assets.settings import settings_from_environment
from wrapup_assets_tests.lake.conftest import files_under

HOURLY = dg.HourlyPartitionsDefinition(start_date="2024-05-01-00:00")
DAILY = dg.DailyPartitionsDefinition(start_date="2024-05-01")
DAY_START = datetime(2024, 5, 1, tzinfo=UTC)
RECORD_SCHEMA = pa.schema(
    [
        pa.field("interaction_timestamp", pa.timestamp("us", tz="UTC")),
        pa.field("interaction_id", pa.string()),
        pa.field("wrap_up_code_label", pa.dictionary(pa.int32(), pa.string())),
        pa.field("schema_version", pa.int16()),
    ]
)


def hour_pages(start: datetime) -> Iterator[bytes]:
    """Two pages of one conversation each, like the details query would page an hour."""
    for minute in (5, 35):
        conversation = {
            "conversationId": f"{start:%H}-{minute}",
            "conversationStart": (start + timedelta(minutes=minute)).isoformat(),
        }
        yield json.dumps({"conversations": [conversation]}, separators=(",", ":")).encode()


@dg.asset(partitions_def=HOURLY)
def raw_conversation_pages(context: dg.AssetExecutionContext) -> RawPagesOutput:
    return RawPagesOutput(
        pages=hour_pages(context.partition_time_window.start),
        sidecar_files={"wrapup_codes.json": b'{"code-1": "Sale"}'},
    )


@dg.asset(partitions_def=HOURLY)
def wrapup_records(raw_conversation_pages: RawPagesPartition) -> pa.Table:
    labels = json.loads(raw_conversation_pages.read_sidecar("wrapup_codes.json"))
    conversations = [c for page in raw_conversation_pages.iter_pages() for c in json.loads(page)["conversations"]]
    return pa.table(
        {
            "interaction_timestamp": [datetime.fromisoformat(c["conversationStart"]) for c in conversations],
            "interaction_id": [c["conversationId"] for c in conversations],
            "wrap_up_code_label": pa.array([labels["code-1"]] * len(conversations)).dictionary_encode(),
            "schema_version": pa.array([1] * len(conversations), pa.int16()),
        },
        schema=RECORD_SCHEMA,
    )


@dg.asset(partitions_def=DAILY)
def wrapup_daily(wrapup_records: pa.Table) -> pa.Table:
    return wrapup_records.sort_by([("interaction_timestamp", "descending")])


@dg.asset
def wrapup_codes() -> pa.Table:
    return pa.table({"wrap_up_code_id": ["code-1"], "name": ["Sale"]})


ASSETS = [raw_conversation_pages, wrapup_records, wrapup_daily, wrapup_codes]


def materialize(
    lake_root: Path, instance: dg.DagsterInstance, selection: list[dg.AssetsDefinition], partition_key: str | None
) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        ASSETS,
        selection=selection,
        partition_key=partition_key,
        instance=instance,
        resources={"io_manager": LakeIOManager(lake_url=str(lake_root))},
    )


def test_io_manager_publishes_hours_and_the_daily_asset_receives_all_24(lake_root: Path) -> None:
    with dg.instance_for_test() as instance:
        for hour in range(24):
            key = f"2024-05-01-{hour:02d}:00"
            materialize(lake_root, instance, [raw_conversation_pages, wrapup_records], key)
        daily_result = materialize(lake_root, instance, [wrapup_daily], "2024-05-01")
        materialize(lake_root, instance, [wrapup_codes], None)

    layout = [name for name in files_under(lake_root) if not name.startswith("_staging")]
    hour_dirs = [f"year=2024/month=05/day=01/hour={hour:02d}" for hour in range(24)]
    raw_files = ("_manifest.json", "pages.jsonl.zst", "wrapup_codes.json")
    parquet_files = ("_manifest.json", "part-00000.parquet")
    assert layout == sorted(
        [f"raw_conversation_pages/{d}/{name}" for d in hour_dirs for name in raw_files]
        + [f"wrapup_records/{d}/{name}" for d in hour_dirs for name in parquet_files]
        + [f"wrapup_daily/year=2024/month=05/day=01/{name}" for name in parquet_files]
        + [f"wrapup_codes/{name}" for name in parquet_files]
    )

    location = LakeLocation.from_url(str(lake_root))
    day = LakePartition("wrapup_daily", DAY_START, "day")
    daily = read_parquet_partition(location, day, read_manifest(location, day))
    assert daily.column("interaction_id").to_pylist() == [
        f"{hour:02d}-{minute}" for hour in reversed(range(24)) for minute in (35, 5)
    ]
    assert read_manifest(location, day).schema_version == 1

    metadata = daily_result.asset_materializations_for_node("wrapup_daily")[0].metadata
    assert metadata["path"] == dg.MetadataValue.path(f"{location.root}/wrapup_daily/year=2024/month=05/day=01")
    assert metadata["dagster/row_count"] == dg.MetadataValue.int(48)
    assert metadata["file_count"] == dg.MetadataValue.int(1)
    assert metadata["files"].value.startswith(
        "| file | rows | bytes |\n| --- | ---: | ---: |\n| part-00000.parquet | 48 |"
    )


def test_raw_pages_output_reports_pages_and_sidecar(lake_root: Path) -> None:
    with dg.instance_for_test() as instance:
        result = materialize(lake_root, instance, [raw_conversation_pages], "2024-05-01-09:00")

    metadata = result.asset_materializations_for_node("raw_conversation_pages")[0].metadata
    assert metadata["pages"] == dg.MetadataValue.int(2)
    assert metadata["file_count"] == dg.MetadataValue.int(2)
    partition = LakePartition("raw_conversation_pages", DAY_START.replace(hour=9), "hour")
    manifest = read_manifest(LakeLocation.from_url(str(lake_root)), partition)
    assert [(file.name, file.rows) for file in manifest.files] == [("pages.jsonl.zst", 2), ("wrapup_codes.json", None)]


def test_daily_asset_with_missing_hours_says_how_many_and_names_the_first_and_last(lake_root: Path) -> None:
    location = LakeLocation.from_url(str(lake_root))
    for hour in range(1):
        partition = LakePartition("wrapup_records", DAY_START.replace(hour=hour), "hour")
        with stage_partition(location, partition, "parquet") as staged:
            write_parquet_parts(RECORD_SCHEMA.empty_table(), RECORD_SCHEMA, staged)
            staged.publish()

    with dg.instance_for_test() as instance:
        with pytest.raises(PartitionNotPublishedError) as raised:
            materialize(lake_root, instance, [wrapup_daily], "2024-05-01")

    first_missing = f"{location.root}/wrapup_records/year=2024/month=05/day=01/hour=01/_manifest.json"
    assert len(raised.value.missing) == 23
    assert raised.value.missing["2024-05-01-01:00"] == first_missing
    assert str(raised.value) == (
        "wrapup_records: 23 partitions are not published: 2024-05-01-01:00, 2024-05-01-02:00, 2024-05-01-03:00, "
        f"..., 2024-05-01-21:00, 2024-05-01-22:00, 2024-05-01-23:00 (no manifest at {first_missing}, nor for "
        "the 22 others); materialize them first"
    )


def test_a_run_over_several_partitions_is_refused_pointing_at_the_backfill_policy(lake_root: Path) -> None:
    range_tags = {
        "dagster/asset_partition_range_start": "2024-05-01-00:00",
        "dagster/asset_partition_range_end": "2024-05-01-02:00",
    }
    with dg.instance_for_test() as instance, pytest.raises(UnsupportedPartitioningError) as raised:
        dg.materialize(
            [raw_conversation_pages],
            instance=instance,
            tags=range_tags,
            resources={"io_manager": LakeIOManager(lake_url=str(lake_root))},
        )

    assert str(raised.value) == (
        "raw_conversation_pages: this run writes 3 partitions (2024-05-01-00:00 .. 2024-05-01-02:00) in one "
        "output; the lake writes one partition per run, so give the asset "
        "backfill_policy=dg.BackfillPolicy.multi_run(1) (single partition per run)"
    )
    assert files_under(lake_root) == []


def test_returning_none_is_refused_naming_the_dataset(lake_root: Path) -> None:
    @dg.asset(name="wrapup_codes")
    def nothing():  # noqa: ANN202 - unannotated, so Dagster hands the None to the IO manager
        return None

    with dg.instance_for_test() as instance, pytest.raises(TypeError) as raised:
        dg.materialize([nothing], instance=instance, resources={"io_manager": LakeIOManager(lake_url=str(lake_root))})

    assert str(raised.value) == (
        "wrapup_codes: the lake IO manager stores a pyarrow Table or a RawPagesOutput, got NoneType"
    )


def test_the_io_manager_from_the_environment_reads_the_lake_url_and_nests_an_s3_resource(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    default = lake_io_manager(settings_from_environment({}))
    configured = lake_io_manager(settings_from_environment({"WRAPUP_LAKE_URL": "s3://bucket/prefix"}))

    assert default.lake_url == str(tmp_path / "data" / "lake")
    assert isinstance(default.s3, S3Resource) and default.s3.endpoint_url is None
    assert configured.lake_url == dg.EnvVar("WRAPUP_LAKE_URL")
    assert isinstance(configured.s3, S3Resource)
