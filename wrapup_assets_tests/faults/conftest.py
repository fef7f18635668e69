"""Fault-matrix fixtures: an emulator on a settled clock, clients with recorded sleeps, and the
production assets and resources pointed at the emulator with short timeouts and backoff."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from wrapup_assets.emulator import EmulatorConfig, GenesysEmulator
from wrapup_assets_tests.genesys.conftest import connect, genesys_emulator, sleeps, start_emulator  # noqa: F401

# The genesys tests' fixtures: emulators with chosen settings, clients whose sleeps are recorded.
from wrapup_assets_tests.runs import emulator_resources, materialize_raw_and_records

HOUR_KEY = "2024-05-01-09:00"
HOUR = datetime(2024, 5, 1, 9, tzinfo=UTC)
HOUR_END = HOUR + timedelta(hours=1)
SETTLED_NOW = datetime(2024, 5, 4, 9, tzinfo=UTC)
FAULT_CONFIG = EmulatorConfig(
    seed=5, conversations_per_hour=45, client_id="fault-client", client_secret="fault-secret-77e1", now=SETTLED_NOW
)
# Small pages so an hour spans several; a read timeout shorter than the emulator's stall; a short
# backoff so exhausted retries take milliseconds, not minutes.
PAGE_SIZE = 10
MAX_ATTEMPTS = 3
FAULT_GENESYS_SETTINGS = {
    "page_size": PAGE_SIZE,
    "max_attempts": MAX_ATTEMPTS,
    "retry_backoff_seconds": 0.01,
    "read_timeout_seconds": 0.5,
}


def pipeline_resources(emulator: GenesysEmulator, lake_dir: Path) -> dict[str, object]:
    """The production resources for `emulator` and `lake_dir`, with the fault tests' short timings."""
    return emulator_resources(emulator, str(lake_dir), genesys_settings=FAULT_GENESYS_SETTINGS)


def materialize_hour(resources: dict, instance: dg.DagsterInstance, key: str = HOUR_KEY) -> dg.ExecuteInProcessResult:
    """Raw pages and records of one hour; failures are returned, not raised."""
    return materialize_raw_and_records(key, resources, instance, raise_on_error=False)


def record_keys(rows: list[dict]) -> list[tuple[str, str]]:
    return sorted((row["interaction_id"], row["session_id"]) for row in rows)


def sorted_rows(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda row: (row["interaction_id"], row["session_id"]))


def faults_seen(emulator: GenesysEmulator, expected: int) -> list[str]:
    """The names of the faults the emulator served, once `expected` are logged (a stalled request is
    logged when its late answer goes out, after the client gave up on it) or after 5 s."""
    deadline = time.monotonic() + 5.0
    while True:
        seen = [entry.fault for entry in emulator.request_log if entry.fault]
        if len(seen) >= expected or time.monotonic() > deadline:
            return seen
        time.sleep(0.02)


def lake_files(root: Path) -> dict[str, bytes]:
    """Every file under `root` by relative path (empty when it does not exist)."""
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


@pytest.fixture
def fault_emulator() -> Iterator[GenesysEmulator]:
    with GenesysEmulator(FAULT_CONFIG) as running:
        yield running
