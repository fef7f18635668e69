"""Records path benchmark: the project's streaming path against the reference design, same pages,
same run, each in its own child process so that neither's peak RSS pollutes the other's.

    .venv/bin/python bench/records_path.py 50000 500000

For each volume: generates the pages once (bench/pages_fixture.py, cached under /tmp), runs each
path in a fresh process from the compressed pages file to a published Parquet partition, checks
that both wrote the same rows, and prints one result line with records/s, MB/s of JSON, peak RSS
(VmHWM) of each path and the ratio.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages_fixture import BENCH_DIR, BENCH_HOUR, code_labels, ensure_pages  # noqa: E402
from reference_design import reference_records, write_reference_parquet  # noqa: E402

from wrapup_assets.lake.location import LakeLocation  # noqa: E402
from wrapup_assets.lake.page_files import iter_page_lines  # noqa: E402
from wrapup_assets.lake.parquet_files import write_parquet_parts  # noqa: E402
from wrapup_assets.lake.partitioning import LakePartition  # noqa: E402
from wrapup_assets.lake.publish import stage_partition  # noqa: E402
from wrapup_assets.records.flatten import RecordsBuilder  # noqa: E402
from wrapup_assets.records.schema import RECORD_SCHEMA, SCHEMA_VERSION  # noqa: E402

PATHS = ("project", "reference")
HOUR_END = BENCH_HOUR + timedelta(hours=1)


def peak_rss_mib() -> float:
    """This process's peak resident set (VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


class CountingPages:
    """The pages of a file, counting their JSON bytes as they pass."""

    def __init__(self, pages_file: Path) -> None:
        self.pages_file = pages_file
        self.json_bytes = 0

    def __iter__(self):
        for page in iter_page_lines(LakeLocation.from_url(str(self.pages_file.parent)), str(self.pages_file)):
            self.json_bytes += len(page)
            yield page


def output_dir(path: str, conversations: int) -> Path:
    return BENCH_DIR / f"out-{path}-{conversations}"


def run_project(pages: CountingPages, out: Path) -> int:
    """The project's path: pages streamed through RecordsBuilder.sorted_batches into the lake writer."""
    location = LakeLocation.from_url(str(out))
    partition = LakePartition.from_time_window("wrapup_records", BENCH_HOUR, HOUR_END)
    builder = RecordsBuilder(BENCH_HOUR, HOUR_END, code_labels())
    with stage_partition(location, partition, "parquet", SCHEMA_VERSION) as staged:
        write_parquet_parts(builder.sorted_batches(pages), RECORD_SCHEMA, staged)
        manifest = staged.publish()
    return manifest.total_rows


def run_reference(pages: CountingPages, out: Path) -> int:
    """The reference design: the whole hour as dicts, one table, one file."""
    table = reference_records(pages, BENCH_HOUR, HOUR_END, code_labels())
    out.mkdir(parents=True, exist_ok=True)
    write_reference_parquet(table, str(out / "part-00000.parquet"))
    return table.num_rows


def child(path: str, conversations: int) -> None:
    """Run one path once and print its figures as JSON (the parent parses them)."""
    pages = CountingPages(ensure_pages(conversations))
    out = output_dir(path, conversations)
    began = time.perf_counter()
    rows = (run_project if path == "project" else run_reference)(pages, out)
    seconds = time.perf_counter() - began
    print(
        json.dumps({"rows": rows, "seconds": seconds, "json_bytes": pages.json_bytes, "peak_rss_mib": peak_rss_mib()})
    )


def run_child(path: str, conversations: int) -> dict:
    command = [sys.executable, __file__, "--child", path, str(conversations)]
    finished = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(finished.stdout.strip().splitlines()[-1])


def written_rows(path: str, conversations: int) -> pa.Table:
    """A path's output with dictionary columns as plain strings (dictionaries may be ordered differently)."""
    files = sorted(output_dir(path, conversations).rglob("*.parquet"))
    table = pa.concat_tables(pq.read_table(file) for file in files)
    plain = pa.schema(
        [field.with_type(pa.string()) if pa.types.is_dictionary(field.type) else field for field in table.schema]
    )
    return table.cast(plain)


def describe(path: str, figures: dict) -> str:
    return (
        f"{path}: {figures['rows'] / figures['seconds']:,.0f} records/s, "
        f"{figures['json_bytes'] / 1e6 / figures['seconds']:,.1f} MB/s JSON, "
        f"{figures['seconds']:.2f} s, peak RSS {figures['peak_rss_mib']:.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("conversations", type=int, nargs="+")
    parser.add_argument("--child", choices=PATHS, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments.child, arguments.conversations[0])
        return
    for conversations in arguments.conversations:
        ensure_pages(conversations)
        figures = {path: run_child(path, conversations) for path in PATHS}
        same_rows = written_rows("project", conversations).equals(written_rows("reference", conversations))
        project, reference = figures["project"], figures["reference"]
        ratio = (project["rows"] / project["seconds"]) / (reference["rows"] / reference["seconds"])
        print(
            f"records {conversations:,} conversations, {project['rows']:,} rows, "
            f"{project['json_bytes'] / 1e6:,.0f} MB JSON | {describe('project', project)} | "
            f"{describe('reference', reference)} | ratio {ratio:.1f}x | same rows: {same_rows}",
            flush=True,
        )


if __name__ == "__main__":
    main()
