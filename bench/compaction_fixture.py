"""Synthetic, contract-valid hourly `wrapup_records` partitions for the compaction benchmark.

Rows are built column by column (no emulator: compaction cost depends on rows, not on how they
were flattened) and published through the lake's own staging and Parquet writer, so the daily
compaction reads exactly what the hourly asset would have written: sorted by start, then key.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pyarrow as pa

from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.parquet_files import write_parquet_parts
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.lake.publish import stage_partition
from wrapup_assets.records.schema import RECORD_SCHEMA, SCHEMA_VERSION

RECORDS_DATASET = "wrapup_records"
_SESSIONS_PER_CONVERSATION = 2
_CODES = [f"{code:08x}-c0de-4000-8000-000000000000" for code in range(40)]
_QUEUES = [f"{queue:08x}-9e9e-4000-8000-000000000000" for queue in range(25)]
_AGENTS = [f"{agent:08x}-a6e7-4000-8000-000000000000" for agent in range(400)]
_DIVISIONS = [f"{division:08x}-d1d1-4000-8000-000000000000" for division in range(3)]


def synthetic_hour(hour_start: datetime, rows: int, seed: int) -> pa.Table:
    """`rows` records of the hour starting at `hour_start`, sorted like the hourly asset writes them."""
    rng = random.Random(seed)
    start_us = int(hour_start.timestamp() * 1_000_000)
    conversations = (rows + _SESSIONS_PER_CONVERSATION - 1) // _SESSIONS_PER_CONVERSATION
    starts = sorted(rng.randrange(start_us, start_us + 3_600_000_000) for _ in range(conversations))
    row_conversation = [row // _SESSIONS_PER_CONVERSATION for row in range(rows)]
    starts_us = [starts[conversation] for conversation in row_conversation]
    handle_ms = [rng.randrange(20_000, 900_000) for _ in range(rows)]
    acw_ms = [rng.randrange(0, 120_000) for _ in range(rows)]

    def pick(values: list[str]) -> pa.Array:
        return pa.array([values[rng.randrange(len(values))] for _ in range(rows)], pa.string()).dictionary_encode()

    codes = pick(_CODES)
    columns = {
        "interaction_timestamp": pa.array(starts_us, pa.int64()),
        "interaction_id": pa.array([f"{seed:08x}-0000-4000-8000-{c:012x}" for c in row_conversation]),
        "session_id": pa.array([f"{seed:08x}-5e55-4000-8000-{row:012x}" for row in range(rows)]),
        "participant_id": pa.array([f"{seed:08x}-9a97-4000-8000-{row:012x}" for row in range(rows)]),
        "agent_id": pick(_AGENTS),
        "queue_id": pick(_QUEUES),
        "media_type": pick(["voice", "voice", "voice", "chat", "email", "message"]),
        "direction": pick(["inbound", "inbound", "outbound"]),
        "wrap_up_code_id": codes,
        "wrap_up_code_label": pa.DictionaryArray.from_arrays(
            codes.indices, pa.array([f"Code {value.as_py()[:8]}" for value in codes.dictionary])
        ),
        "disposition_code_id": pa.nulls(rows, RECORD_SCHEMA.field("disposition_code_id").type),
        "wrap_up_end": pa.array([s + h * 1000 for s, h in zip(starts_us, handle_ms, strict=True)], pa.int64()),
        "conversation_end": pa.array([s + 950_000_000 for s in starts_us], pa.int64()),
        "handle_ms": pa.array(handle_ms, pa.int64()),
        "acw_ms": pa.array(acw_ms, pa.int64()),
        "division_id": pick(_DIVISIONS),
        "schema_version": pa.repeat(pa.scalar(SCHEMA_VERSION, pa.int16()), rows),
    }
    arrays = [columns[field.name].cast(field.type) for field in RECORD_SCHEMA]
    return pa.Table.from_arrays(arrays, schema=RECORD_SCHEMA)


def publish_synthetic_day(lake_root: str, day_start: datetime, rows_per_hour: int) -> int:
    """Publish 24 synthetic hourly partitions of `wrapup_records`; the day's row count."""
    location = LakeLocation.from_url(lake_root)
    for hour in range(24):
        hour_start = day_start + timedelta(hours=hour)
        table = synthetic_hour(hour_start, rows_per_hour, seed=hour + 1)
        partition = LakePartition.from_time_window(RECORDS_DATASET, hour_start, hour_start + timedelta(hours=1))
        with stage_partition(location, partition, "parquet", SCHEMA_VERSION) as staged:
            write_parquet_parts(table, RECORD_SCHEMA, staged)
            staged.publish()
    return 24 * rows_per_hour
