"""Daily compaction benchmark: the project's two-pass streamed compaction against a naive one
(read every hour, concatenate, sort, write), each in its own child process.

    .venv/bin/python bench/compaction.py 25000 100000

For each hourly row count: publishes 24 synthetic, contract-valid hours through the lake's own
writer (bench/compaction_fixture.py) into a temporary lake, runs each path in a fresh process from
the published hours to a published daily partition, checks that both wrote the same rows, and
prints one result line with rows/s and peak RSS (VmHWM) of each path.
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

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compaction_fixture import RECORDS_DATASET, publish_synthetic_day  # noqa: E402
from records_path import peak_rss_mib  # noqa: E402

from wrapup_assets.lake.location import LakeLocation  # noqa: E402
from wrapup_assets.lake.manifest import read_manifest  # noqa: E402
from wrapup_assets.lake.parquet_files import read_parquet_partition, write_parquet_parts  # noqa: E402
from wrapup_assets.lake.partitioning import LakePartition  # noqa: E402
from wrapup_assets.lake.publish import stage_partition  # noqa: E402
from wrapup_assets.records.compaction import SORT_ORDER, DayRecords, PublishedHour, scan_day  # noqa: E402
from wrapup_assets.records.schema import RECORD_SCHEMA, SCHEMA_VERSION  # noqa: E402

DAY_START = datetime(2024, 5, 1, tzinfo=UTC)
DAY_END = DAY_START + timedelta(days=1)
PATHS = ("project", "naive")


def published_hours(location: LakeLocation) -> list[PublishedHour]:
    hours = []
    for hour in range(24):
        start = DAY_START + timedelta(hours=hour)
        partition = LakePartition.from_time_window(RECORDS_DATASET, start, start + timedelta(hours=1))
        hours.append(PublishedHour(partition, read_manifest(location, partition)))
    return hours


def compact(lake_root: str, path: str) -> dict[str, float]:
    """Run one compaction path from the published hours to a published daily partition."""
    location = LakeLocation.from_url(lake_root)
    day = LakePartition.from_time_window(f"daily_{path}", DAY_START, DAY_END)
    started = time.perf_counter()
    hours = published_hours(location)
    with stage_partition(location, day, "parquet", SCHEMA_VERSION) as staged:
        if path == "project":
            scan = scan_day(location, hours, DAY_START, DAY_END)
            if not scan.passed:
                raise RuntimeError(f"checks failed: {scan.schema_outcome.description}; {scan.key_outcome.description}")
            write_parquet_parts(DayRecords(location, scan).reader(), RECORD_SCHEMA, staged)
        else:
            tables = [read_parquet_partition(location, hour.partition, hour.manifest) for hour in hours]
            table = pa.concat_tables(tables).sort_by(SORT_ORDER)
            write_parquet_parts(table, RECORD_SCHEMA, staged)
        manifest = staged.publish()
    seconds = time.perf_counter() - started
    return {"rows": manifest.total_rows, "seconds": seconds, "peak_rss_mib": peak_rss_mib()}


def run_child(lake_root: str, path: str) -> dict[str, float]:
    completed = subprocess.run(
        [sys.executable, __file__, "--child", path, "--lake", lake_root], check=True, capture_output=True, text=True
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def same_rows(lake_root: str) -> bool:
    days = [pq.read_table(sorted((Path(lake_root) / f"daily_{path}").rglob("*.parquet"))[0].parent) for path in PATHS]
    return days[0].select(["interaction_id", "session_id"]).equals(days[1].select(["interaction_id", "session_id"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rows_per_hour", nargs="*", type=int, default=[25_000, 100_000])
    parser.add_argument("--child", choices=PATHS)
    parser.add_argument("--lake")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(compact(args.lake, args.child)))
        return
    for rows_per_hour in args.rows_per_hour:
        with tempfile.TemporaryDirectory(prefix="wrapup-compaction-") as lake_root:
            rows = publish_synthetic_day(lake_root, DAY_START, rows_per_hour)
            results = {path: run_child(lake_root, path) for path in PATHS}
            line = {
                "rows": rows,
                **{
                    f"{path}_{figure}": round(value, 1) if figure != "rows_per_s" else round(value)
                    for path, result in results.items()
                    for figure, value in [
                        ("rows_per_s", result["rows"] / result["seconds"]),
                        ("peak_rss_mib", result["peak_rss_mib"]),
                    ]
                },
                "same_rows": same_rows(lake_root),
            }
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
