"""The benchmark scripts still run (on 1,000 conversations, so in seconds): they are scripts, not
timed tests, but a broken one would only be found when someone needs its figures."""

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
    assert "records/s" in line and "peak RSS" in line and "ratio" in line
    assert line.endswith("same rows: True")
