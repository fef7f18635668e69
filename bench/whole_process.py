"""Issue 6's done-when, whole process against whole process: held-out details pages published as an
hour's raw partition, turned into that hour's wrapup_records by `dagster asset materialize`, timed
against the reference design run as its own process on the same pages, with the same rows.

    .venv/bin/python bench/whole_process.py 500000

The pages are bench/pages_fixture.py's (generated on first use); they are published, lines as they
are, with the lake's own writer into a fresh temporary lake as the raw partition of the fixture's
hour, beside a wrapup_codes.json snapshot of the seed's catalog (the labels the reference design
uses). Each command runs under /usr/bin/time (wall seconds, peak RSS of the process tree's largest
process); the Dagster run's step timings are read from its log. Prints one result line.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages_fixture import BENCH_DIR, BENCH_HOUR, BENCH_SEED, ensure_pages  # noqa: E402
from records_path import written_rows  # noqa: E402

from wrapup_assets.assets.catalog_snapshot import CATALOG_SNAPSHOT_NAME, encode_catalog_snapshot  # noqa: E402
from wrapup_assets.emulator.organization import organization_for_seed  # noqa: E402
from wrapup_assets.lake.location import LakeLocation  # noqa: E402
from wrapup_assets.lake.page_files import iter_page_lines, write_pages  # noqa: E402
from wrapup_assets.lake.partitioning import LakePartition  # noqa: E402
from wrapup_assets.lake.publish import stage_partition  # noqa: E402

BENCH_ROOT = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_ROOT.parent
VENV_BIN = Path(sys.executable).parent
PARTITION_KEY = BENCH_HOUR.strftime("%Y-%m-%d-%H:%M")
STEP_FINISHED = re.compile(r'Finished execution of step "([^"]+)" in ([0-9.]+)(ms|s|m)')


@dataclass(frozen=True)
class ProcessFigures:
    """What /usr/bin/time measured of one whole process."""

    wall_seconds: float
    peak_rss_mib: float
    log: str


def publish_raw_partition(lake: Path, pages_file: Path) -> int:
    """The fixture's pages, lines as they are, as the hour's raw partition, plus the catalog snapshot."""
    location = LakeLocation.from_url(str(lake))
    partition = LakePartition.from_time_window("raw_conversation_pages", BENCH_HOUR, BENCH_HOUR + timedelta(hours=1))
    entities = [{"id": code.code_id, "name": code.name} for code in organization_for_seed(BENCH_SEED).codes]
    with stage_partition(location, partition, "jsonl.zst") as staged:
        pages = write_pages(iter_page_lines(LakeLocation.from_url(str(pages_file.parent)), str(pages_file)), staged)
        with staged.open_output_stream(CATALOG_SNAPSHOT_NAME) as stream:
            stream.write(encode_catalog_snapshot(entities, datetime.now(UTC)))
        staged.add_file(CATALOG_SNAPSHOT_NAME, rows=None)
        staged.publish()
    return pages.rows


def timed(command: list[str], environment: dict[str, str], work_dir: Path) -> ProcessFigures:
    """Run a command to completion under /usr/bin/time; fail with its log tail if it fails."""
    time_file = work_dir / "time.txt"
    finished = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M", "-o", str(time_file), *command],
        env=environment,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    log = finished.stdout + finished.stderr
    if finished.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {finished.returncode}:\n{log[-4000:]}")
    wall, peak_kib = time_file.read_text().split()[-2:]
    return ProcessFigures(float(wall), int(peak_kib) / 1024, log)


def dagster_run(lake: Path, dagster_home: Path) -> ProcessFigures:
    """`dagster asset materialize --select wrapup_records` for the hour, no Genesys variables set."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("GENESYS_")}
    environment |= {"WRAPUP_LAKE_URL": str(lake), "DAGSTER_HOME": str(dagster_home)}
    command = [str(VENV_BIN / "dagster"), "asset", "materialize", "-m", "wrapup_assets.definitions"]
    command += ["--select", "wrapup_records", "--partition", PARTITION_KEY]
    return timed(command, environment, dagster_home)


def reference_run(conversations: int, work_dir: Path) -> ProcessFigures:
    """The reference design as a process: records_path.py's reference child on the same pages file."""
    command = [sys.executable, str(BENCH_ROOT / "records_path.py"), "--child", "reference", str(conversations)]
    return timed(command, dict(os.environ), work_dir)


def step_seconds(log: str) -> dict[str, float]:
    """Each step's duration as the Dagster run logged it."""
    scale = {"ms": 0.001, "s": 1.0, "m": 60.0}
    return {step: float(amount) * scale[unit] for step, amount, unit in STEP_FINISHED.findall(log)}


def dagster_rows(lake: Path) -> pa.Table:
    """The published wrapup_records partition, dictionary columns as plain strings (as records_path compares)."""
    table = pa.concat_tables(pq.read_table(file) for file in sorted((lake / "wrapup_records").rglob("*.parquet")))
    plain = pa.schema(
        [field.with_type(pa.string()) if pa.types.is_dictionary(field.type) else field for field in table.schema]
    )
    return table.cast(plain)


def sorted_by_key(table: pa.Table) -> pa.Table:
    """Rows in key order, so that the comparison does not depend on how each side sorted ties."""
    return table.sort_by([("interaction_id", "ascending"), ("session_id", "ascending")])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("conversations", type=int, nargs="?", default=500_000)
    conversations = parser.parse_args().conversations
    pages_file = ensure_pages(conversations)
    work_dir = BENCH_DIR / f"whole-{conversations}"
    shutil.rmtree(work_dir, ignore_errors=True)
    lake, dagster_home = work_dir / "lake", work_dir / "dagster-home"
    dagster_home.mkdir(parents=True)
    began = time.perf_counter()
    pages = publish_raw_partition(lake, pages_file)
    published_seconds = time.perf_counter() - began

    dagster = dagster_run(lake, dagster_home)
    reference = reference_run(conversations, work_dir)

    ours = sorted_by_key(dagster_rows(lake))
    theirs = sorted_by_key(written_rows("reference", conversations))
    rows = ours.num_rows
    null_labels = ours.column("wrap_up_code_label").null_count
    steps = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in step_seconds(dagster.log).items())
    load = os.getloadavg()
    print(
        f"whole process {conversations:,} conversations ({pages:,} pages published in {published_seconds:.1f} s), "
        f"{rows:,} rows | dagster materialize: {dagster.wall_seconds:.1f} s, peak RSS {dagster.peak_rss_mib:,.0f} MiB, "
        f"{rows / dagster.wall_seconds:,.0f} records/s [{steps}] | reference process: {reference.wall_seconds:.1f} s, "
        f"peak RSS {reference.peak_rss_mib:,.0f} MiB, {theirs.num_rows / reference.wall_seconds:,.0f} records/s | "
        f"ratio {reference.wall_seconds / dagster.wall_seconds:.2f}x | same rows: {ours.equals(theirs)} "
        f"(null labels: {null_labels:,}) | load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
