"""Daily compaction benchmark: the project's two-pass streamed compaction against a naive one
(read every hour, concatenate, sort, write) and against the floor (the hours' rows read and written
once with the same Parquet options, no checks, no sort), each in its own child process.

    .venv/bin/python bench/compaction.py 25000 100000

For each hourly row count: publishes 24 synthetic, contract-valid hours through the lake's own
writer (bench/compaction_fixture.py) into a temporary lake, runs each path in a fresh process from
the published hours to a published daily partition, checks that all wrote the same rows, and
prints one result line with rows/s, peak RSS (VmHWM) and daily file size of each path
(`--repeat N`: N interleaved runs per path; rows/s and CPU seconds of the fastest, the highest
peak RSS of any). CPU seconds count every thread: above the wall time, the two cores overlapped.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compaction_fixture import RECORDS_DATASET, publish_synthetic_day  # noqa: E402
from records_path import peak_rss_mib  # noqa: E402

from wrapup_assets.lake.lake import Lake, PublishedPartition
from wrapup_assets.lake.location import LakeLocation  # noqa: E402
from wrapup_assets.lake.manifest import read_manifest  # noqa: E402
from wrapup_assets.lake.parquet_files import read_parquet_partition, write_parquet_parts  # noqa: E402
from wrapup_assets.lake.partitioning import LakePartition  # noqa: E402
from wrapup_assets.lake.publish import stage_partition  # noqa: E402
from wrapup_assets.records.compaction import DayRecords, scan_day  # noqa: E402
from wrapup_assets.records.schema import RECORD_SCHEMA, SCHEMA_VERSION, SORT_ORDER  # noqa: E402

DAY_START = datetime(2024, 5, 1, tzinfo=UTC)
DAY_END = DAY_START + timedelta(days=1)
PATHS = ("project", "naive", "floor")


def published_hours(location: LakeLocation) -> list[PublishedPartition]:
    hours = []
    for hour in range(24):
        start = DAY_START + timedelta(hours=hour)
        partition = LakePartition.from_time_window(RECORDS_DATASET, start, start + timedelta(hours=1))
        hours.append(PublishedPartition(partition, read_manifest(location, partition)))
    return hours


def hour_batches(location: LakeLocation, hours: list[PublishedPartition]) -> Iterator[pa.RecordBatch]:
    """The hours' rows as the Parquet reader streams them: what any compaction must at least read."""
    for hour in hours:
        for name in hour.manifest.file_names():
            with location.filesystem.open_input_file(location.join(hour.partition.relative_dir, name)) as file:
                yield from pq.ParquetFile(file).iter_batches()


def compact(lake_root: str, path: str) -> dict[str, float]:
    """Run one compaction path from the published hours to a published daily partition."""
    location = LakeLocation.from_url(lake_root)
    day = LakePartition.from_time_window(f"daily_{path}", DAY_START, DAY_END)
    started, cpu_started = time.perf_counter(), time.process_time()
    pass_one_seconds = 0.0  # the project path's checks; the other paths have none
    hours = published_hours(location)
    with stage_partition(location, day, "parquet", SCHEMA_VERSION) as staged:
        if path == "project":
            scan = scan_day(Lake(location), hours, DAY_START, DAY_END)
            if not scan.passed:
                raise RuntimeError(f"checks failed: {scan.schema_outcome.description}; {scan.key_outcome.description}")
            pass_one_seconds = time.perf_counter() - started
            write_parquet_parts(DayRecords(Lake(location), scan).reader(), RECORD_SCHEMA, staged)
        elif path == "floor":
            write_parquet_parts(hour_batches(location, hours), RECORD_SCHEMA, staged)
        else:
            tables = [read_parquet_partition(location, hour.partition, hour.manifest) for hour in hours]
            table = pa.concat_tables(tables).sort_by(SORT_ORDER)
            write_parquet_parts(table, RECORD_SCHEMA, staged)
        manifest = staged.publish()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    return {
        "rows": manifest.total_rows,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "pass_one_seconds": pass_one_seconds,
        "peak_rss_mib": peak_rss_mib(),
        "daily_mib": manifest.total_bytes / 2**20,
    }


def run_child(lake_root: str, path: str) -> dict[str, float]:
    completed = subprocess.run(
        [sys.executable, __file__, "--child", path, "--lake", lake_root], check=True, capture_output=True, text=True
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def same_rows(lake_root: str) -> bool:
    """Whether every path wrote the same keys in the same order (the fixture's hours are in order)."""
    days = [pq.read_table(sorted((Path(lake_root) / f"daily_{path}").rglob("*.parquet"))[0].parent) for path in PATHS]
    keys = [day.select(["interaction_id", "session_id"]) for day in days]
    return all(day_keys.equals(keys[0]) for day_keys in keys[1:])


def figures(result: dict[str, float]) -> dict[str, float]:
    """One path's reported figures; pass one only where there is one (the project path)."""
    reported = {
        "rows_per_s": round(result["rows"] / result["seconds"]),
        "seconds": round(result["seconds"], 2),
        "cpu_s": round(result["cpu_seconds"], 2),
        "peak_rss_mib": round(result["peak_rss_mib"], 1),
        "daily_mib": round(result["daily_mib"], 1),
    }
    if result["pass_one_seconds"]:
        reported["pass_one_s"] = round(result["pass_one_seconds"], 2)
    return reported


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rows_per_hour", nargs="*", type=int, default=[25_000, 100_000])
    parser.add_argument("--repeat", type=int, default=1, help="runs per path; the fastest is reported")
    parser.add_argument("--child", choices=PATHS)
    parser.add_argument("--lake")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(compact(args.lake, args.child)))
        return
    for rows_per_hour in args.rows_per_hour:
        with tempfile.TemporaryDirectory(prefix="wrapup-compaction-") as lake_root:
            rows = publish_synthetic_day(lake_root, DAY_START, rows_per_hour)
            runs = {path: [] for path in PATHS}
            for _ in range(args.repeat):  # interleaved, so a burst of load hits every path alike
                for path in PATHS:
                    runs[path].append(run_child(lake_root, path))
            results = {
                path: {
                    **min(path_runs, key=itemgetter("seconds")),
                    "peak_rss_mib": max(run["peak_rss_mib"] for run in path_runs),
                }
                for path, path_runs in runs.items()
            }
            line = {"rows": rows}
            for path, result in results.items():
                line.update({f"{path}_{figure}": value for figure, value in figures(result).items()})
            line["same_rows"] = same_rows(lake_root)
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
