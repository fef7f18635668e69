"""Planting bad data in a published partition, the way a faulty writer would: through the lake's
own staging and publishing, so the manifest lists the planted files with their true sizes."""

from datetime import timedelta
from pathlib import Path

import msgspec
import pyarrow as pa

from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.manifest import read_manifest
from wrapup_assets.lake.page_files import write_pages
from wrapup_assets.lake.parquet_files import read_parquet_partition, write_parquet_parts
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.lake.payloads import RawPagesPartition
from wrapup_assets.lake.publish import stage_partition
from wrapup_assets.partitions import hourly_partitions


def hour_partition(dataset: str, hour_key: str) -> LakePartition:
    start = hourly_partitions.time_window_for_partition_key(hour_key).start
    return LakePartition.from_time_window(dataset, start, start + timedelta(hours=1))


def read_records(lake: Path, hour_key: str) -> pa.Table:
    location = LakeLocation.from_url(str(lake))
    partition = hour_partition("wrapup_records", hour_key)
    return read_parquet_partition(location, partition, read_manifest(location, partition))


def publish_records(lake: Path, hour_key: str, table: pa.Table) -> None:
    """Replace an hourly records partition by `table`, whatever its schema."""
    location = LakeLocation.from_url(str(lake))
    with stage_partition(location, hour_partition("wrapup_records", hour_key), "parquet", 1) as staged:
        write_parquet_parts(table, table.schema, staged)
        staged.publish()


def raw_conversations(lake: Path, hour_key: str) -> tuple[list[dict], bytes | None]:
    """The conversations of a published raw partition, and its catalog sidecar."""
    location = LakeLocation.from_url(str(lake))
    partition = hour_partition("raw_conversation_pages", hour_key)
    raw = RawPagesPartition(location, partition, read_manifest(location, partition))
    conversations = [c for page in raw.iter_pages() for c in msgspec.json.decode(page).get("conversations", [])]
    return conversations, raw.read_sidecar("wrapup_codes.json")


def publish_raw_conversations(lake: Path, hour_key: str, conversations: list[dict], catalog: bytes | None) -> None:
    """Replace a raw partition by one page holding `conversations`, keeping its catalog sidecar."""
    location = LakeLocation.from_url(str(lake))
    with stage_partition(location, hour_partition("raw_conversation_pages", hour_key), "jsonl.zst") as staged:
        write_pages([msgspec.json.encode({"conversations": conversations})], staged)
        if catalog is not None:
            with staged.open_output_stream("wrapup_codes.json") as stream:
                stream.write(catalog)
            staged.add_file("wrapup_codes.json", rows=None)
        staged.publish()
