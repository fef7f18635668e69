"""Shared fixtures: a local lake in tmp_path and a small table shaped like the record contract."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from wrapup_assets.lake.location import LakeLocation

RECORDS_SCHEMA = pa.schema(
    [
        pa.field("interaction_timestamp", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("interaction_id", pa.string(), nullable=False),
        pa.field("queue_id", pa.dictionary(pa.int32(), pa.string())),
        pa.field("media_type", pa.dictionary(pa.int32(), pa.string()), nullable=False),
        pa.field("handle_ms", pa.int64()),
        pa.field("schema_version", pa.int16(), nullable=False),
    ]
)


def records_table(rows: int, start: datetime = datetime(2024, 5, 1, 9, tzinfo=UTC), seed: int = 7) -> pa.Table:
    """Rows with random (incompressible) ids, so file sizes grow like real data."""
    rng = random.Random(seed)
    return pa.table(
        {
            "interaction_timestamp": [start + timedelta(milliseconds=i) for i in range(rows)],
            "interaction_id": [f"{rng.getrandbits(128):032x}" for _ in range(rows)],
            "queue_id": pa.array([f"queue-{i % 7}" if i % 5 else None for i in range(rows)]).dictionary_encode(),
            "media_type": pa.array([("voice", "chat", "email")[i % 3] for i in range(rows)]).dictionary_encode(),
            "handle_ms": [rng.randrange(1_000, 900_000) for _ in range(rows)],
            "schema_version": pa.array([1] * rows, pa.int16()),
        },
        schema=RECORDS_SCHEMA,
    )


@pytest.fixture
def lake_root(tmp_path: Path) -> Path:
    return tmp_path / "lake"


@pytest.fixture
def location(lake_root: Path) -> LakeLocation:
    return LakeLocation.from_url(str(lake_root))


def files_under(root: Path) -> list[str]:
    """Every file below root, relative and sorted: the exact layout a test asserts."""
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())
