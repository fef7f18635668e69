"""A UTC day exported once per test module from the emulator over HTTP, for the tests that read it.

Materializing 24 hours costs ~20 s here, so the hourly partitions are built once per session and
never written to again: every test that writes (a daily file, planted bad data) works on its own
copy of the lake (`copied_lake`).
"""

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from wrapup_assets.emulator import GenesysEmulator
from wrapup_assets_tests.conftest import TEST_CONFIG
from wrapup_assets_tests.runs import emulator_resources, materialize_raw_and_records

DAY = "2024-05-01"
DAY_START = datetime(2024, 5, 1, tzinfo=UTC)
HOUR_KEYS = [(DAY_START + timedelta(hours=hour)).strftime("%Y-%m-%d-%H:%M") for hour in range(24)]


@dataclass
class ExportedDay:
    emulator: GenesysEmulator
    lake_dir: Path

    def resources(self, lake_dir: Path | None = None, **io_manager_settings: object) -> dict[str, object]:
        return emulator_resources(self.emulator, str(lake_dir or self.lake_dir), **io_manager_settings)

    def expected_rows(self) -> list[dict]:
        return sorted_rows(
            [row for hour in range(24) for row in self.emulator.expected_records(DAY_START + timedelta(hours=hour))]
        )


def sorted_rows(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda row: (row["interaction_id"], row["session_id"]))


@pytest.fixture(scope="session")
def exported_day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExportedDay]:
    """The 24 hourly partitions of DAY (raw pages and records) in a lake of their own."""
    with GenesysEmulator(TEST_CONFIG) as emulator, dg.instance_for_test() as instance:
        day = ExportedDay(emulator, tmp_path_factory.mktemp("contract") / "lake")
        for key in HOUR_KEYS:
            materialize_raw_and_records(key, day.resources(), instance)
        yield day


@pytest.fixture
def copied_lake(exported_day: ExportedDay, tmp_path: Path) -> Path:
    """A private copy of the exported day's lake, for tests that plant bad data in it."""
    return Path(shutil.copytree(exported_day.lake_dir, tmp_path / "lake"))
