"""`dagster dev` on workspace.yaml with no Genesys credentials: the UI finds the code location (assets,
partitions, schedules, sensors), a run launched through GraphQL exports an hour from the embedded
emulator in its own run process. (The two-day backfill through GraphQL is in
wrapup_assets_tests/backfill/test_dagster_backfill.py.)

One `dagster dev` serves the whole module (it takes ~15 s to start)."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import DagsterRunStatus
from dagster_graphql import DagsterGraphQLClient

from wrapup_assets.definitions import defs
from wrapup_assets_tests.dagster_dev_server import running_dagster_dev

HOUR_FORMAT = "%Y-%m-%d-%H:%M"
PARTITIONED_ASSETS_QUERY = """
{ assetNodes { assetKey { path } partitionDefinition { type fmt } } }
"""

HOUR = "2024-05-01-09:00"


@pytest.fixture(scope="module")
def dagster_dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DagsterGraphQLClient, Path]]:
    """One `dagster dev` for the module, on the embedded emulator, with its lake in a temporary folder."""
    tmp_path = tmp_path_factory.mktemp("dagster_dev")
    with running_dagster_dev(tmp_path / "home", {"WRAPUP_LAKE_URL": str(tmp_path / "lake")}) as client:
        yield client, tmp_path / "lake"


RUN_LOG_QUERY = """
query RunLog($runId: ID!) {
  logsForRun(runId: $runId) { ... on EventConnection { events { ... on MessageEvent { message level } } } }
}
"""
ASSETS_QUERY = """
{ assetNodes { assetKey { path } partitionDefinition { name } } }
"""


def test_dagster_dev_lists_the_assets_and_runs_an_hour_on_the_embedded_emulator(dagster_dev):
    client, lake = dagster_dev
    nodes = client._execute(ASSETS_QUERY)["assetNodes"]
    # Exactly the code location's assets (test_definitions.py pins those to the contract).
    assert {node["assetKey"]["path"][0] for node in nodes} == {
        key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()
    }
    run_id = client.submit_job_execution("hourly_ingest_job", tags={"dagster/partition": HOUR})
    deadline = time.monotonic() + 180
    while (status := client.get_run_status(run_id)) not in (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE):
        assert time.monotonic() < deadline, f"run {run_id} still {status}"
        time.sleep(1)
    assert status == DagsterRunStatus.SUCCESS
    events = client._execute(RUN_LOG_QUERY, {"runId": run_id})["logsForRun"]["events"]
    warnings = [event["message"] for event in events if event.get("level") == "WARNING"]
    assert any("NO GENESYS CREDENTIALS CONFIGURED" in message for message in warnings), warnings
    partition = lake / "wrapup_records/year=2024/month=05/day=01/hour=09"
    assert sorted(p.name for p in partition.iterdir()) == ["_manifest.json", "part-00000.parquet"]


REPOSITORY = {"repositoryLocationName": "wrapup_assets", "repositoryName": "__repository__"}
AUTOMATION_QUERY = """
query Automation($repository: RepositorySelector!) {
  schedulesOrError(repositorySelector: $repository) {
    ... on Schedules { results { name cronSchedule executionTimezone pipelineName scheduleState { status } } }
  }
  sensorsOrError(repositorySelector: $repository) {
    ... on Sensors { results { name sensorType sensorState { status } } }
  }
}
"""


def test_dagster_dev_lists_the_partitions_schedules_and_sensors(dagster_dev):
    client, _ = dagster_dev
    nodes = client._execute(PARTITIONED_ASSETS_QUERY)["assetNodes"]
    partitions = {
        node["assetKey"]["path"][0]: (node["partitionDefinition"]["type"], node["partitionDefinition"]["fmt"])
        for node in nodes
        if node["partitionDefinition"]
    }
    assert partitions["raw_conversation_pages"] == partitions["wrapup_records"] == ("TIME_WINDOW", HOUR_FORMAT)
    assert partitions["wrapup_daily"] == partitions["wrapup_summary_daily"] == ("TIME_WINDOW", "%Y-%m-%d")

    automation = client._execute(AUTOMATION_QUERY, {"repository": REPOSITORY})
    schedules = {
        schedule["name"]: (schedule["cronSchedule"], schedule["executionTimezone"], schedule["pipelineName"])
        for schedule in automation["schedulesOrError"]["results"]
    }
    assert schedules == {
        "hourly_ingest_schedule": ("10 * * * *", "UTC", "hourly_ingest_job"),
        "restatement_schedule": ("30 3 * * *", "UTC", "hourly_ingest_job"),
        "freshness_schedule": ("40 * * * *", "UTC", "freshness_check_job"),
        "directory_schedule": ("20 0 * * *", "UTC", "directory_job"),
    }
    # On the embedded emulator the API-calling automation starts stopped (WRAPUP_AUTOMATION), while
    # the daily compaction, which never calls Genesys, runs by default.
    assert {s["name"]: s["scheduleState"]["status"] for s in automation["schedulesOrError"]["results"]} == {
        "hourly_ingest_schedule": "STOPPED",
        "restatement_schedule": "STOPPED",
        "freshness_schedule": "STOPPED",
        "directory_schedule": "STOPPED",
    }
    sensors = {
        s["name"]: (s["sensorType"], s["sensorState"]["status"]) for s in automation["sensorsOrError"]["results"]
    }
    assert sensors == {
        "catch_up_sensor": ("STANDARD", "STOPPED"),
        "daily_compaction_sensor": ("AUTO_MATERIALIZE", "RUNNING"),
        "summary_sensor": ("AUTO_MATERIALIZE", "RUNNING"),
    }
