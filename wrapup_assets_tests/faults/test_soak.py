"""Soak: a 7-day backfill (168 hours + 7 days) against an emulator that faults >= 5% of requests,
with the backfill process SIGKILLed mid-run twice and re-launched, ends with a lake equal to the
emulator's ground truth: no row lost, none duplicated, every check green. `make soak` runs it."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from wrapup_assets.emulator import EmulatorConfig, GenesysEmulator
from wrapup_assets_tests.commands import clean_environment

FIRST_DAY = datetime(2024, 5, 1, tzinfo=UTC)
DAYS = 7
FAULT_RATE = 0.08
# Kill the worker shortly after it starts these runs (counted over all its lines, one per run).
KILL_AFTER_STARTS = (40, 70)
SOAK_CONFIG = EmulatorConfig(
    seed=29,
    conversations_per_hour=30,
    client_id="soak-client",
    client_secret="soak-secret-0b7d",
    now=datetime(2024, 5, 12, tzinfo=UTC),
    fault_rate=FAULT_RATE,
    fault_seed=29,
)


def worker_environment(emulator: GenesysEmulator, lake: Path, home: Path) -> dict[str, str]:
    """The production settings against the emulator: small pages (more requests to fault), a read
    timeout under the emulator's 2 s stall, and a short backoff so the soak takes minutes."""
    return clean_environment(
        GENESYS_API_URL=emulator.api_url,
        GENESYS_LOGIN_URL=emulator.login_url,
        GENESYS_CLIENT_ID=SOAK_CONFIG.client_id,
        GENESYS_CLIENT_SECRET=SOAK_CONFIG.client_secret,
        GENESYS_PAGE_SIZE="10",
        GENESYS_MAX_ATTEMPTS="8",
        GENESYS_RETRY_BACKOFF_SECONDS="0.05",
        GENESYS_READ_TIMEOUT_SECONDS="1",
        WRAPUP_LAKE_URL=str(lake),
        WRAPUP_START_DATE=FIRST_DAY.strftime("%Y-%m-%d"),
        DAGSTER_HOME=str(home),
    )


def run_worker(environment: dict[str, str], kill_after_starts: int | None) -> list[str]:
    """One backfill process; SIGKILLed a moment after its `kill_after_starts`-th run started."""
    command = [sys.executable, "-m", "wrapup_assets_tests.faults.backfill_worker", FIRST_DAY.strftime("%Y-%m-%d")]
    process = subprocess.Popen([*command, str(DAYS)], env=environment, stdout=subprocess.PIPE, text=True)
    lines, starts = [], 0
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line.strip())
        starts += line.startswith("start ")
        if kill_after_starts is not None and starts == kill_after_starts:
            time.sleep(0.4)  # inside the run: fetching pages, writing or publishing
            os.kill(process.pid, signal.SIGKILL)
            lines.append("KILLED")
            break
    process.wait(timeout=600)
    return lines


def published_rows(lake: Path, dataset: str) -> list[dict]:
    return [row for path in sorted((lake / dataset).rglob("*.parquet")) for row in pq.read_table(path).to_pylist()]


def keys(rows: list[dict]) -> Counter:
    return Counter((row["interaction_id"], row["session_id"]) for row in rows)


@pytest.mark.soak
@pytest.mark.timeout(1800)
def test_a_faulted_killed_seven_day_backfill_ends_equal_to_the_ground_truth(tmp_path: Path):
    lake, home = tmp_path / "lake", tmp_path / "dagster_home"
    home.mkdir()
    started = time.monotonic()
    with GenesysEmulator(SOAK_CONFIG) as emulator:
        environment = worker_environment(emulator, lake, home)
        passes = [run_worker(environment, kill) for kill in KILL_AFTER_STARTS]
        while passes[-1][-1] != "finished" or any(line.startswith("failed") for line in passes[-1]):
            assert len(passes) < 6, passes[-1][-20:]
            passes.append(run_worker(environment, None))
        log = emulator.request_log
        hours = [FIRST_DAY + timedelta(hours=h) for h in range(24 * DAYS)]
        expected = [row for hour in hours for row in emulator.expected_records(hour)]
    wall_seconds = time.monotonic() - started

    faults = Counter(entry.fault for entry in log if entry.fault)
    fault_share = sum(faults.values()) / len(log)
    hourly, daily = published_rows(lake, "wrapup_records"), published_rows(lake, "wrapup_daily")
    lines = [line for one_pass in passes for line in one_pass]
    print(
        f"\nsoak: {wall_seconds:.0f} s wall, {len(passes)} worker processes ({len(KILL_AFTER_STARTS)} SIGKILLed), "
        f"{len(log)} requests, {sum(faults.values())} faulted ({fault_share:.1%}): {dict(faults.most_common())}; "
        f"{sum(line.startswith('start') for line in lines)} runs started, "
        f"{sum(line.startswith('failed') for line in lines)} failed and re-run; "
        f"expected rows {len(expected)}, hourly rows {len(hourly)}, daily rows {len(daily)}"
    )
    assert [one_pass[-1] for one_pass in passes[: len(KILL_AFTER_STARTS)]] == ["KILLED"] * len(KILL_AFTER_STARTS)
    assert fault_share >= 0.05
    assert all(line.endswith("checks=passed") for line in lines if line.startswith("done"))
    assert len(list(lake.glob("wrapup_records/year=*/month=*/day=*/hour=*/_manifest.json"))) == 24 * DAYS
    assert len(list(lake.glob("wrapup_daily/year=*/month=*/day=*/_manifest.json"))) == DAYS
    assert len(expected) > 24 * DAYS
    assert keys(hourly) == keys(daily) == keys(expected)  # every row once: none lost, none duplicated
    assert max(keys(daily).values()) == 1
    by_key = lambda row: (row["interaction_id"], row["session_id"])  # noqa: E731
    assert sorted(daily, key=by_key) == sorted(expected, key=by_key)
    # A SIGKILLed run can leave its stage behind (removed by a later publish once older than
    # STALE_STAGE_AGE): at most one per kill, and never inside a dataset's tree, so no reader sees it.
    leftover_stages = {path.parent for path in (lake / "_staging").rglob("*") if path.is_file()}
    assert len(leftover_stages) <= len(KILL_AFTER_STARTS), leftover_stages
