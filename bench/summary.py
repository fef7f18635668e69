"""Mart benchmark: `summarize_day` (DuckDB, records/summary.py) over a synthetic day, in a child
process, with its wall time, CPU seconds and peak RSS (VmHWM).

    .venv/bin/python bench/summary.py 100000 250000

For each hourly row count: publishes 24 synthetic, contract-valid hours through the lake's own
writer (bench/compaction_fixture.py), then aggregates their files as one day (the daily files have
the same columns) and prints rows, groups, rows/s, CPU seconds and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compaction_fixture import RECORDS_DATASET, publish_synthetic_day  # noqa: E402
from records_path import peak_rss_mib  # noqa: E402

DAY_START = datetime(2024, 5, 1, tzinfo=UTC)


def summarize(lake: str) -> dict:
    """The child's work: aggregate the 24 published hours as one day."""
    from wrapup_assets.lake.location import LakeLocation
    from wrapup_assets.lake.manifest import read_manifest
    from wrapup_assets.lake.partitioning import LakePartition
    from wrapup_assets.records.codes_history import CODE_HISTORY_SCHEMA
    from wrapup_assets.records.directory import DIVISION_HISTORY, QUEUE_HISTORY
    from wrapup_assets.records.summary import Histories, summarize_day

    location = LakeLocation.from_url(lake)
    paths = []
    for hour in range(24):
        start = DAY_START + timedelta(hours=hour)
        partition = LakePartition.from_time_window(RECORDS_DATASET, start, start + timedelta(hours=1))
        paths += [
            location.join(partition.relative_dir, name) for name in read_manifest(location, partition).file_names()
        ]
    histories = Histories(
        CODE_HISTORY_SCHEMA.empty_table(), QUEUE_HISTORY.empty_history(), DIVISION_HISTORY.empty_history()
    )
    started, cpu = time.monotonic(), time.process_time()
    summary = summarize_day(paths, histories, DAY_START, location.filesystem)
    return {
        "seconds": time.monotonic() - started,
        "cpu_seconds": time.process_time() - cpu,
        "groups": summary.num_rows,
        "sessions": sum(summary["sessions"].to_pylist()),
        "peak_rss_mib": peak_rss_mib(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows_per_hour", type=int, nargs="+")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(summarize(args.child)))
        return
    for rows_per_hour in args.rows_per_hour:
        with tempfile.TemporaryDirectory(prefix="wrapup-bench-summary-") as lake:
            rows = publish_synthetic_day(lake, DAY_START, rows_per_hour)
            child = subprocess.run(
                [sys.executable, __file__, "0", "--child", lake], check=True, capture_output=True, text=True
            )
            result = json.loads(child.stdout)
            assert result["sessions"] == rows, (result, rows)
            print(
                f"rows {rows:,}: {result['groups']:,} groups, {result['seconds']:.2f} s "
                f"({rows / result['seconds'] / 1e6:.2f}M rows/s), {result['cpu_seconds']:.1f} CPU s, "
                f"peak RSS {result['peak_rss_mib']:.0f} MiB",
                flush=True,
            )


if __name__ == "__main__":
    main()
