"""`dagster dev` (webserver + daemon) on the production storage: a backfill launched through GraphQL
runs through the daemon into the lake, and a run failed by a passing Genesys fault is retried by the
daemon; every run, the backfill and the retry lineage are in PostgreSQL.

The instance file is the shipped dagster.yaml plus the storage section of
deploy/dagster.production.yaml; the emulator runs in this process and `dagster dev` reaches it as
a real org.
"""

import time
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from wrapup_assets.emulator import GenesysEmulator
from wrapup_assets.emulator.faults import Fault
from wrapup_assets.history import LAUNCH_BACKFILL
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.manifest import read_manifest
from wrapup_assets.lake.parquet_files import read_parquet_partition
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets_tests.dagster_dev_server import BACKFILL_STATUS
from wrapup_assets_tests.deploy.conftest import dagster_dev_on_postgres, org_lake_environment
from wrapup_assets_tests.test_pipeline import sorted_rows

BACKFILL_HOURS = {"start": "2024-05-01-00:00", "end": "2024-05-01-01:00"}
RETRIED_HOUR = "2024-05-01-05:00"
TIMEOUT_SECONDS = 240
RETRIES_OF = """
query Retries($id: String!) {
  runsOrError(filter: {tags: [{key: "dagster/parent_run_id", value: $id}]}) { ... on Runs { results { runId status } } }
}
"""


def wait_for(fetch, done, what: str):
    """Poll `fetch()` until `done(value)`; fail naming `what` and the last value after the timeout."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while not done(value := fetch()):
        assert time.monotonic() < deadline, f"{what}: still {value} after {TIMEOUT_SECONDS} s"
        time.sleep(1)
    return value


def hour_rows(lake: Path, start: datetime) -> list[dict]:
    location = LakeLocation.from_url(str(lake))
    partition = LakePartition("wrapup_records", start, "hour")
    return read_parquet_partition(location, partition, read_manifest(location, partition)).to_pylist()


# ~95 s here, nearly all of it waiting for the daemon's fixed 30 s iterations (backfill, run retries).
@pytest.mark.soak
def test_a_backfill_and_a_run_retry_go_through_the_daemon_on_postgres(
    postgres_instance_home: Path, emulator: GenesysEmulator, tmp_path: Path
):
    lake = tmp_path / "lake"
    with dagster_dev_on_postgres(postgres_instance_home, org_lake_environment(emulator, lake)) as client:
        # The backfill's range run fetches its hours through a details job; the single-hour run
        # uses the details query, whose next request fails with a status the client does not
        # retry: that run fails, and the daemon's run retries (shipped dagster.yaml) start it again.
        emulator.faults.inject(Fault.status(400), path_contains="details/query")
        params = {
            "partitionsByAssets": [
                {"assetKey": {"path": ["raw_conversation_pages"]}, "partitions": {"range": BACKFILL_HOURS}}
            ]
        }
        launched = client._execute(LAUNCH_BACKFILL, {"params": params})["launchPartitionBackfill"]
        assert launched["__typename"] == "LaunchBackfillSuccess", launched
        backfill_id = launched["backfillId"]
        failed_run_id = client.submit_job_execution("hourly_ingest_job", tags={"dagster/partition": RETRIED_HOUR})

        status = wait_for(
            lambda: client._execute(BACKFILL_STATUS, {"id": backfill_id})["partitionBackfillOrError"]["status"],
            lambda status: status not in ("REQUESTED", "CANCELING"),
            f"backfill {backfill_id}",
        )
        assert status == "COMPLETED_SUCCESS"
        retries = wait_for(
            lambda: client._execute(RETRIES_OF, {"id": failed_run_id})["runsOrError"]["results"],
            lambda runs: any(run["status"] in ("SUCCESS", "FAILURE") for run in runs),
            f"a retry of run {failed_run_id}",
        )
        assert [run["status"] for run in retries] == ["SUCCESS"]
        assert client.get_run_status(failed_run_id) == dg.DagsterRunStatus.FAILURE

    retried_start = datetime(2024, 5, 1, 5, tzinfo=UTC)
    assert sorted_rows(hour_rows(lake, retried_start)) == sorted_rows(emulator.expected_records(retried_start))
    location = LakeLocation.from_url(str(lake))
    for hour in (0, 1):
        manifest = read_manifest(
            location, LakePartition("raw_conversation_pages", datetime(2024, 5, 1, hour, tzinfo=UTC), "hour")
        )
        assert manifest.file_named("pages.jsonl.zst") is not None and manifest.total_rows > 0, hour

    with dg.DagsterInstance.from_config(str(postgres_instance_home)) as instance:
        (backfill_run,) = instance.get_runs(dg.RunsFilter(tags={"dagster/backfill": backfill_id}))
        assert backfill_run.status == dg.DagsterRunStatus.SUCCESS
        assert instance.get_backfill(backfill_id).status.value == "COMPLETED_SUCCESS"
        (retry,) = instance.get_runs(dg.RunsFilter(tags={"dagster/parent_run_id": failed_run_id}))
        assert (retry.status, retry.tags["dagster/retry_number"]) == (dg.DagsterRunStatus.SUCCESS, "1")
        assert instance.get_materialized_partitions(dg.AssetKey("raw_conversation_pages")) == {
            "2024-05-01-00:00",
            "2024-05-01-01:00",
            RETRIED_HOUR,
        }
        assert instance.get_materialized_partitions(dg.AssetKey("wrapup_records")) == {RETRIED_HOUR}
