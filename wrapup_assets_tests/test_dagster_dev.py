"""`dagster dev` on workspace.yaml with no Genesys credentials: the UI finds the code location, and a
run launched through GraphQL exports an hour from the embedded emulator in its own run process."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import DagsterRunStatus
from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HOUR = "2024-05-01-09:00"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def dagster_dev(tmp_path: Path) -> Iterator[tuple[DagsterGraphQLClient, Path]]:
    """`dagster dev` as a user starts it; stopped with SIGINT, as dagster ignores SIGTERM in the background."""
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
    assert {node["assetKey"]["path"][0] for node in nodes} == {
        "raw_conversation_pages",
        "wrapup_records",
        "wrapup_daily",
        "wrapup_codes",
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
