from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from wrapup_assets.lake.errors import CorruptPageFileError
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.manifest import read_manifest
from wrapup_assets.lake.page_files import PAGES_FILE_NAME, iter_page_lines, write_pages
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.lake.publish import stage_partition

HOUR = LakePartition("raw_conversation_pages", datetime(2024, 5, 1, 9, tzinfo=UTC), "hour")
PAGES = [
    json.dumps(
        {"conversations": [{"conversationId": f"c-{page}-{i}"} for i in range(300)], "totalHits": 9000},
        separators=(",", ":"),
    ).encode()
    for page in range(30)
]


def publish_pages(location: LakeLocation) -> str:
    with stage_partition(location, HOUR, "jsonl.zst") as staged:
        pages_file = write_pages(iter(PAGES), staged)
        staged.publish()
    assert pages_file.rows == 30
    return location.join(HOUR.relative_dir, PAGES_FILE_NAME)


def test_pages_round_trip_through_jsonl_zst(location: LakeLocation) -> None:
    path = publish_pages(location)

    assert list(iter_page_lines(location, path)) == PAGES
    manifest = read_manifest(location, HOUR)
    assert (manifest.format, manifest.total_rows) == ("jsonl.zst", 30)


def test_truncated_pages_file_raises_naming_the_path(location: LakeLocation) -> None:
    path = publish_pages(location)
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[: len(data) // 2])

    with pytest.raises(CorruptPageFileError, match=rf"^{re.escape(path)} is truncated or corrupt"):
        list(iter_page_lines(location, path))


def test_page_with_a_raw_newline_is_rejected(location: LakeLocation) -> None:
    with stage_partition(location, HOUR, "jsonl.zst") as staged:
        message = "raw_conversation_pages partition 2024-05-01-09:00: page 1 contains a raw newline"
        with pytest.raises(ValueError, match=message):
            write_pages([b"{}", b'{\n"a": 1}'], staged)
