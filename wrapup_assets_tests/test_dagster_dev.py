"""`dagster dev` on workspace.yaml with no Genesys credentials: the UI finds the code location (assets,
partitions, schedules, sensors), a run launched through GraphQL exports an hour from the embedded
emulator in its own run process, and a two-day asset backfill launched through GraphQL, as the UI
launches it, completes hourly before daily with the lake the emulator's oracle expects (a soak test:
`make soak`).

One `dagster dev` serves the whole module (it takes ~15 s to start)."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from dagster import DagsterRunStatus
from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError

from wrapup_assets.definitions import defs
from wrapup_assets.emulator import EmulatorConfig, GenesysEmulator
from wrapup_assets_tests.test_pipeline import sorted_rows

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HOUR = "2024-05-01-09:00"
HOUR_FORMAT = "%Y-%m-%d-%H:%M"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def dagster_dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DagsterGraphQLClient, Path]]:
    """`dagster dev` as a user starts it; stopped with SIGINT, as dagster ignores SIGTERM in the background."""
    tmp_path = tmp_path_factory.mktemp("dagster_dev")
    port, home, lake = free_port(), tmp_path / "home", tmp_path / "lake"
    home.mkdir()
    (home / "dagster.yaml").write_bytes((PROJECT / "dagster.yaml").read_bytes())
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("GENESYS_", "WRAPUP_"))}
    environment.update(DAGSTER_HOME=str(home), WRAPUP_LAKE_URL=str(lake))
    process = subprocess.Popen(
        [str(BIN / "dagster"), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    client = DagsterGraphQLClient("127.0.0.1", port_number=port)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                client._execute("{ version }")
                break
            except (DagsterGraphQLClientError, Exception):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(1)
        yield client, lake
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise


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
    assert partitions["wrapup_daily"] == ("TIME_WINDOW", "%Y-%m-%d")

    automation = client._execute(AUTOMATION_QUERY, {"repository": REPOSITORY})
    schedules = {
        schedule["name"]: (schedule["cronSchedule"], schedule["executionTimezone"], schedule["pipelineName"])
        for schedule in automation["schedulesOrError"]["results"]
    }
    assert schedules == {
        "hourly_ingest_schedule": ("10 * * * *", "UTC", "hourly_ingest_job"),
        "restatement_schedule": ("30 3 * * *", "UTC", "hourly_ingest_job"),
        "freshness_schedule": ("40 * * * *", "UTC", "freshness_check_job"),
    }
    # On the embedded emulator the API-calling automation starts stopped (WRAPUP_AUTOMATION), while
    # the daily compaction, which never calls Genesys, runs by default.
    assert {s["name"]: s["scheduleState"]["status"] for s in automation["schedulesOrError"]["results"]} == {
        "hourly_ingest_schedule": "STOPPED",
        "restatement_schedule": "STOPPED",
        "freshness_schedule": "STOPPED",
    }
    sensors = {
        s["name"]: (s["sensorType"], s["sensorState"]["status"]) for s in automation["sensorsOrError"]["results"]
    }
    assert sensors == {
        "catch_up_sensor": ("STANDARD", "STOPPED"),
        "daily_compaction_sensor": ("AUTO_MATERIALIZE", "RUNNING"),
    }


PARTITIONED_ASSETS_QUERY = """
{ assetNodes { assetKey { path } partitionDefinition { type fmt } } }
"""
LAUNCH_BACKFILL = """
mutation Backfill($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
  }
}
"""
BACKFILL_STATUS = """
query Backfill($id: String!) { partitionBackfillOrError(backfillId: $id) { ... on PartitionBackfill { status } } }
"""
BACKFILL_RUNS = """
query Runs($id: String!) {
  runsOrError(filter: {tags: [{key: "dagster/backfill", value: $id}]}) {
    ... on Runs { results { status startTime endTime assetSelection { path } tags { key value } } }
  }
}
"""
BACKFILL_DAYS = ("2024-05-01", "2024-05-02")


@pytest.mark.soak  # 48 hourly runs + 2 daily, each its own run process: 291 s on this 2-core box under load
def test_a_two_day_backfill_launched_like_the_ui_runs_hours_before_days_and_fills_the_lake(dagster_dev):
    client, lake = dagster_dev
    hourly = {"start": f"{BACKFILL_DAYS[0]}-00:00", "end": f"{BACKFILL_DAYS[-1]}-23:00"}
    daily = {"start": BACKFILL_DAYS[0], "end": BACKFILL_DAYS[-1]}
    nodes = client._execute(PARTITIONED_ASSETS_QUERY)["assetNodes"]
    ranges = {
        node["assetKey"]["path"][0]: hourly if node["partitionDefinition"]["fmt"] == HOUR_FORMAT else daily
        for node in nodes
        if node["partitionDefinition"]
    }
    params = {
        "partitionsByAssets": [{"assetKey": {"path": [key]}, "partitions": {"range": r}} for key, r in ranges.items()]
    }
    launched = client._execute(LAUNCH_BACKFILL, {"params": params})["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    backfill_id = launched["backfillId"]

    deadline = time.monotonic() + 300
    while (status := client._execute(BACKFILL_STATUS, {"id": backfill_id})["partitionBackfillOrError"]["status"]) in (
        "REQUESTED",
        "CANCELING",
    ):
        assert time.monotonic() < deadline, f"backfill {backfill_id} still {status}"
        time.sleep(2)
    assert status == "COMPLETED_SUCCESS"

    runs = client._execute(BACKFILL_RUNS, {"id": backfill_id})["runsOrError"]["results"]
    assert all(run["status"] == "SUCCESS" for run in runs)
    partition_of = {id(run): next(t["value"] for t in run["tags"] if t["key"] == "dagster/partition") for run in runs}
    daily_runs = [run for run in runs if len(partition_of[id(run)]) == len("2024-05-01")]
    hourly_runs = [run for run in runs if run not in daily_runs]
    assert sorted(partition_of[id(run)] for run in daily_runs) == list(BACKFILL_DAYS)
    assert len(hourly_runs) == 48
    for day_run in daily_runs:
        day_hours = [run for run in hourly_runs if partition_of[id(run)].startswith(partition_of[id(day_run)])]
        assert len(day_hours) == 24
        assert day_run["startTime"] >= max(run["endTime"] for run in day_hours)

    with GenesysEmulator(EmulatorConfig()) as embedded:  # the same seed and volume as the runs' emulator
        for day in BACKFILL_DAYS:
            day_start = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC)
            expected = [
                row for hour in range(24) for row in embedded.expected_records(day_start + timedelta(hours=hour))
            ]
            table = pq.read_table(lake / f"wrapup_daily/year=2024/month=05/day={day[-2:]}")
            assert table.num_rows == len(expected) > 24 * 50
            assert sorted_rows(table.to_pylist()) == sorted_rows(expected)
