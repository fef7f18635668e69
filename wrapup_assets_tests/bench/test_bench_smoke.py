"""The benchmark scripts still run (on 1,000 conversations, so in seconds): they are scripts, not
timed tests, but a broken one would only be found when someone needs its figures."""

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_records_benchmark_runs_both_paths_and_finds_the_same_rows():
    finished = subprocess.run(
        [sys.executable, str(BENCH / "records_path.py"), "1000"], check=True, capture_output=True, text=True
    )

    (line,) = finished.stdout.strip().splitlines()
    assert line.startswith("records 1,000 conversations")
    assert [part.split(":")[0] for part in line.split(" | ")[1:5]] == [
        "floor",
        "project",
        "project-workers",
        "reference",
    ]
    assert "records/s" in line and "peak RSS" in line and "project/reference" in line and "floor/reference" in line
    assert line.endswith("same rows: True")


def test_compaction_benchmark_runs_every_path_and_finds_the_same_rows():
    finished = subprocess.run(
        [sys.executable, str(BENCH / "compaction.py"), "200"], check=True, capture_output=True, text=True
    )

    (line,) = finished.stdout.strip().splitlines()
    figures = json.loads(line)
    assert figures["rows"] == 24 * 200
    assert {f"{path}_rows_per_s" for path in ("project", "naive", "floor")} <= figures.keys()
    assert figures["same_rows"] is True


def test_emulator_serving_benchmark_pages_the_hour_cold_and_warm():
    finished = subprocess.run(
        [sys.executable, str(BENCH / "emulator_serving.py"), "200"], check=True, capture_output=True, text=True
    )

    header, *runs = finished.stdout.strip().splitlines()
    assert header == "200 conversations per hour, 2024-05-01 14:00 UTC:"
    assert [run.split()[:2] for run in runs] == [["job", "cold"], ["job", "warm"], ["query", "warm"]]
    assert len({run.split("pages")[1].split()[0] for run in runs}) == 1  # every run read the same conversations
