"""Replay: `wrapup_records` for an hour rebuilt from a raw partition written by another tool, exactly
as the README's recipe writes it (pages only, no catalog snapshot); the records step itself calls no API."""

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pyarrow.parquet as pq

from wrapup_assets.emulator import GenesysEmulator
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.page_files import write_pages
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.lake.publish import stage_partition
from wrapup_assets_tests.commands import clean_environment, materialize_command

HOUR_START = datetime(2024, 5, 1, 9, tzinfo=UTC)
PAGE_SIZE = 7


def test_records_rebuild_from_pages_another_tool_wrote(emulator: GenesysEmulator, tmp_path: Path):
    conversations = [c for c in emulator.conversations_for_hour(HOUR_START) if "conversationEnd" in c]
    pages = [
        msgspec.json.encode({"conversations": conversations[i : i + PAGE_SIZE], "totalHits": len(conversations)})
        for i in range(0, len(conversations), PAGE_SIZE)
    ]
    lake = tmp_path / "lake"
    partition = LakePartition.from_time_window("raw_conversation_pages", HOUR_START, HOUR_START + timedelta(hours=1))
    with stage_partition(LakeLocation.from_url(str(lake)), partition, "jsonl.zst") as staged:
        write_pages(pages, staged)
        staged.publish()

    run = subprocess.run(
        materialize_command(select="wrapup_records"),
        env=clean_environment(WRAPUP_LAKE_URL=str(lake), DAGSTER_HOME=str(tmp_path)),
        capture_output=True,
        timeout=300,
    )

    assert run.returncode == 0, run.stderr.decode()[-3000:]
    assert b"has no wrapup_codes.json" in run.stdout + run.stderr  # labels cannot be known: said, not guessed
    records = lake / "wrapup_records/year=2024/month=05/day=01/hour=09"
    rows = pq.read_table(sorted(records.glob("*.parquet"))[0]).to_pylist()
    expected = [{**row, "wrap_up_code_label": None} for row in emulator.expected_records(HOUR_START)]
    key = lambda row: (row["interaction_id"], row["session_id"])  # noqa: E731
    assert sorted(rows, key=key) == sorted(expected, key=key)
    assert len(pages) > 1
