"""One PostgreSQL cluster per test session; per test a fresh database and a Dagster instance on it,
configured as the issue's acceptance check configures one: the shipped local settings (dagster.yaml)
plus the `storage` section of deploy/dagster.production.yaml, its DAGSTER_PG_* variables pointing at
the cluster."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster_graphql import DagsterGraphQLClient

from wrapup_assets.emulator import GenesysEmulator
from wrapup_assets_tests.commands import org_environment
from wrapup_assets_tests.dagster_dev_server import running_dagster_dev
from wrapup_assets_tests.deploy.postgres import PostgresCluster, PostgresUnavailable, running_cluster

PROJECT = Path(__file__).resolve().parents[2]
PRODUCTION_INSTANCE = PROJECT / "deploy" / "dagster.production.yaml"
LOCAL_INSTANCE = PROJECT / "dagster.yaml"


def production_storage_instance_config() -> dict:
    """The shipped dagster.yaml with the storage section of deploy/dagster.production.yaml, verbatim."""
    config = yaml.safe_load(LOCAL_INSTANCE.read_text())
    config["storage"] = yaml.safe_load(PRODUCTION_INSTANCE.read_text())["storage"]
    return config


def org_lake_environment(emulator: GenesysEmulator, lake: Path) -> dict[str, str]:
    """The settings of a deployment on `emulator` (reached as a real org) writing into `lake`, with
    the schedules and the catch-up sensor stopped so that only a test's own runs call the emulator."""
    return {**org_environment(emulator), "WRAPUP_LAKE_URL": str(lake), "WRAPUP_AUTOMATION": "stopped"}


@contextlib.contextmanager
def dagster_dev_on_postgres(home: Path, environment: dict[str, str]) -> Iterator[DagsterGraphQLClient]:
    """`dagster dev` (webserver and daemon) in a `postgres_instance_home`, on its production storage;
    its GraphQL client."""
    with running_dagster_dev(home, environment, (home / "dagster.yaml").read_text()) as client:
        yield client


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """PostgreSQL 15 on a free loopback port; skips (saying why) where the binaries are missing."""
    try:
        with running_cluster() as cluster:
            yield cluster
    except PostgresUnavailable as reason:
        pytest.skip(f"no PostgreSQL for the production-instance tests: {reason}")


@pytest.fixture
def postgres_environment(postgres_cluster: PostgresCluster, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """DAGSTER_PG_* set in this process (and so in the processes it starts) for a new, empty database."""
    environment = postgres_cluster.environment(postgres_cluster.create_database())
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return environment


@pytest.fixture
def postgres_instance_home(postgres_environment: dict[str, str], tmp_path: Path) -> Path:
    """A DAGSTER_HOME whose dagster.yaml is the shipped local settings plus the production storage."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump(production_storage_instance_config()))
    return home


@pytest.fixture
def postgres_instance(postgres_instance_home: Path) -> Iterator[dg.DagsterInstance]:
    """A Dagster instance on that DAGSTER_HOME (runs, events and schedules in PostgreSQL)."""
    with dg.DagsterInstance.from_config(str(postgres_instance_home)) as instance:
        yield instance
