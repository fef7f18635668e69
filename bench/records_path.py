"""Records path benchmark: the project's streaming path against the reference design, same pages,
same run, each in its own child process so that neither's peak RSS pollutes the other's.

    .venv/bin/python bench/records_path.py 50000 500000

For each volume: generates the pages once (bench/pages_fixture.py, cached under /tmp), runs each
path in a fresh process from the compressed pages file, and prints one result line with records/s,
MB/s of JSON, wall and CPU seconds, peak RSS (VmHWM) of each path and the ratios. The paths:

- project: RecordsBuilder.sorted_batches in one process, into a published Parquet partition;
- project-workers: the same with worker processes on every available core (`workers=None`);
- reference: the seed's design (bench/reference_design.py), one Parquet file;
- floor: the same pages read the same way and decoded by msgspec into a struct without fields
  (every byte parsed, nothing kept): what any records path in one Python process is bounded by;
  its records/s counts the project's rows.

Both project paths' rows are checked against the reference's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from datetime import timedelta
from functools import partial
from pathlib import Path

import msgspec
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

PATHS = ("floor", "project", "project-workers", "reference")
"""Run in this order: the floor goes first, so every path after it reads the pages file from a warm page cache."""
HOUR_END = BENCH_HOUR + timedelta(hours=1)


def peak_rss_mib() -> float:
    """This process's peak resident set (VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _vm_hwm_kib(status: Path) -> tuple[int, int] | None:
    """(parent pid, VmHWM in KiB) of a process, or None when it is gone or has no memory."""
    try:
        lines = status.read_text().splitlines()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in lines if ":" in line)
    if "VmHWM" not in fields:
        return None
    return int(fields["PPid"]), int(fields["VmHWM"].split()[0])


def cpu_seconds() -> float:
    """CPU time of this process and of the children it waited for (the page workers): unlike wall
    time, it hardly moves with the load other processes put on the machine."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class WorkerPeakRss:
    """Samples the peak resident set (VmHWM) of this process's children (the page workers) while
    the path runs: getrusage's figure for children counts the parent's pages they shared before
    exec, so it would report the parent's size instead of the worker's."""

    def __init__(self, every_seconds: float = 0.2) -> None:
        self.peak_kib: dict[int, int] = {}
        self._every_seconds = every_seconds
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = os.getpid()
        while not self._stop.wait(self._every_seconds):
            for status in Path("/proc").glob("[0-9]*/status"):
                sample = _vm_hwm_kib(status)
                if sample is not None and sample[0] == me:
                    pid = int(status.parent.name)
                    self.peak_kib[pid] = max(self.peak_kib.get(pid, 0), sample[1])

    def __enter__(self) -> WorkerPeakRss:
        self._sampler.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._sampler.join()

    def largest_mib(self) -> float:
        return max(self.peak_kib.values(), default=0) / 1024


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


def run_project(pages: CountingPages, out: Path, workers: int | None = 1) -> int:
    """The project's path: pages streamed through RecordsBuilder.sorted_batches into the lake writer
    (in one process, or with `workers` as RecordsBuilder takes it)."""
    location = LakeLocation.from_url(str(out))
    partition = LakePartition.from_time_window("wrapup_records", BENCH_HOUR, HOUR_END)
    builder = RecordsBuilder(BENCH_HOUR, HOUR_END, code_labels(), workers=workers)
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


class _NothingKept(msgspec.Struct):
    """A page decoded for its cost alone: msgspec validates and skips every field."""


def run_floor(pages: CountingPages, out: Path) -> int:
    """The parser floor: every page decoded, no row built, nothing written."""
    decoder = msgspec.json.Decoder(_NothingKept)
    for page in pages:
        decoder.decode(page)
    return 0


RUNNERS = {
    "project": run_project,
    "project-workers": partial(run_project, workers=None),
    "reference": run_reference,
    "floor": run_floor,
}


def child(path: str, conversations: int) -> None:
    """Run one path once and print its figures as JSON (the parent parses them)."""
    pages = CountingPages(ensure_pages(conversations))
    out = output_dir(path, conversations)
    with WorkerPeakRss() as workers:
        began, cpu_began = time.perf_counter(), cpu_seconds()
        rows = RUNNERS[path](pages, out)
        seconds, cpu = time.perf_counter() - began, cpu_seconds() - cpu_began
    print(
        json.dumps(
            {
                "rows": rows,
                "seconds": seconds,
                "cpu_seconds": cpu,
                "json_bytes": pages.json_bytes,
                "peak_rss_mib": peak_rss_mib(),
                "worker_peak_rss_mib": workers.largest_mib(),
                "worker_count": len(workers.peak_kib),
            }
        )
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


def describe(path: str, figures: dict, rows: int) -> str:
    return (
        f"{path}: {rows / figures['seconds']:,.0f} records/s, "
        f"{figures['json_bytes'] / 1e6 / figures['seconds']:,.1f} MB/s JSON, "
        f"{figures['seconds']:.2f} s ({figures['cpu_seconds']:.2f} s CPU), peak RSS {figures['peak_rss_mib']:.0f} MiB"
        + (
            f" + {figures['worker_count']} workers of ≤ {figures['worker_peak_rss_mib']:.0f} MiB"
            if figures["worker_count"]
            else ""
        )
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
        reference_rows = written_rows("reference", conversations)
        same_rows = all(
            written_rows(path, conversations).equals(reference_rows) for path in ("project", "project-workers")
        )
        project, reference, floor = figures["project"], figures["reference"], figures["floor"]
        rows = project["rows"]
        print(
            f"records {conversations:,} conversations, {rows:,} rows, {project['json_bytes'] / 1e6:,.0f} MB JSON | "
            + " | ".join(describe(path, figures[path], rows) for path in PATHS)
            + f" | project/reference {reference['seconds'] / project['seconds']:.1f}x"
            f" (CPU {reference['cpu_seconds'] / project['cpu_seconds']:.1f}x)"
            f" | project-workers/reference {reference['seconds'] / figures['project-workers']['seconds']:.1f}x"
            f" | floor/reference {reference['seconds'] / floor['seconds']:.1f}x"
            f" | project/floor {floor['seconds'] / project['seconds']:.0%} | same rows: {same_rows}",
            flush=True,
        )


if __name__ == "__main__":
    main()
