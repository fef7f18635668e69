"""Helpers to put partitions of the real assets into a real instance in a given state."""

import dagster as dg
import pytest

from wrapup_assets.definitions import defs


def record_materialized(instance: dg.DagsterInstance, asset: str, partition: str) -> None:
    """A materialization as a run would record it, without running (runless event): the automation
    only reads the instance's record, so this is what it sees after a real run."""
    instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=asset, partition=partition))


def start_run_for_hour(instance: dg.DagsterInstance, hour: str) -> dg.DagsterRun:
    """A queued `hourly_ingest_job` run for `hour`, created as the daemon creates one (its assets
    are planned, so the hour is in flight) but never executed."""
    job = defs.resolve_job_def("hourly_ingest_job")
    return instance.create_run_for_job(
        job_def=job,
        tags={"dagster/partition": hour},
        asset_selection=frozenset(job.asset_layer.executable_asset_keys),
    )


@pytest.fixture
def repository() -> dg.RepositoryDefinition:
    return defs.get_repository_def()
