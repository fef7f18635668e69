"""Shared fixtures: a real emulator over loopback HTTP, a local lake, a real Dagster instance."""

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from wrapup_assets.emulator import EmulatorConfig, GenesysEmulator
from wrapup_assets_tests.runs import emulator_resources

TEST_CONFIG = EmulatorConfig(seed=11, conversations_per_hour=40)


@pytest.fixture
def emulator() -> Iterator[GenesysEmulator]:
    """A Genesys emulator on a free loopback port, with a small deterministic volume."""
    with GenesysEmulator(TEST_CONFIG) as running:
        yield running


@pytest.fixture
def lake_dir(tmp_path: Path) -> Path:
    return tmp_path / "lake"


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    """A real (sqlite, temporary) Dagster instance: supports pools and records partitions."""
    with dg.instance_for_test() as test_instance:
        yield test_instance


@pytest.fixture
def resources(emulator: GenesysEmulator, lake_dir: Path) -> dict[str, object]:
    """The production resources, pointed at the emulator and the temporary lake."""
    return emulator_resources(emulator, str(lake_dir))
