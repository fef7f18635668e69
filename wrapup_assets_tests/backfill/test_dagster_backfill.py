"""The issue's done-when, from outside: a backfill of 2024-05-01 -> 2024-05-02 launched through
GraphQL as the UI launches it, on `dagster dev` with its daemon, against an emulator with a
request quota. Raw pages run a day per run through one details job each, records hour by hour
after their day, the daily compaction last; the lake is what the emulator's oracle expects and the
emulator's request log shows the jobs API used and no 429 after the first.

The emulator runs in this process (real clock: 2024 is long before its jobs availability date) and
`dagster dev` reaches it as a real org, through GENESYS_API_URL and friends.
"""

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from wrapup_assets.emulator import EmulatorConfig, GenesysEmulator
from wrapup_assets.genesys.client import DETAILS_JOBS_AVAILABILITY_PATH, DETAILS_JOBS_PATH
from wrapup_assets_tests.backfill.request_log import endpoint_counts
from wrapup_assets_tests.dagster_dev_server import (
    BACKFILL_RUNS,
    BACKFILL_STATUS,
    HOUR_FORMAT,
    LAUNCH_BACKFILL,
    PARTITIONED_ASSETS_QUERY,
    running_dagster_dev,
)
from wrapup_assets_tests.test_pipeline import sorted_rows

DAYS = ("2024-05-01", "2024-05-02")
EMULATOR = EmulatorConfig(seed=5, conversations_per_hour=40, requests_per_minute=30)
BACKFILL_TIMEOUT_SECONDS = 420


def tag(run: dict, key: str) -> str | None:
    return next((t["value"] for t in run["tags"] if t["key"] == key), None)


@pytest.mark.soak  # 52 runs, each its own process (48 of them records hours): 285 s on this busy 2-core box
def test_a_two_day_backfill_fetches_each_day_through_one_details_job_and_fills_the_lake(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    with GenesysEmulator(EMULATOR) as emulator:
        environment = {
            "GENESYS_API_URL": emulator.api_url,
            "GENESYS_LOGIN_URL": emulator.login_url,
            "GENESYS_CLIENT_ID": EMULATOR.client_id,
            "GENESYS_CLIENT_SECRET": EMULATOR.client_secret,
            "GENESYS_REQUESTS_PER_MINUTE": str(EMULATOR.requests_per_minute),
            "WRAPUP_LAKE_URL": str(lake),
            "WRAPUP_AUTOMATION": "stopped",  # only the backfill talks to the emulator
        }
        with running_dagster_dev(tmp_path / "home", environment) as client:
            hourly = {"start": f"{DAYS[0]}-00:00", "end": f"{DAYS[-1]}-23:00"}
            daily = {"start": DAYS[0], "end": DAYS[-1]}
            nodes = client._execute(PARTITIONED_ASSETS_QUERY)["assetNodes"]
            params = {
                "partitionsByAssets": [
                    {
                        "assetKey": {"path": node["assetKey"]["path"]},
                        "partitions": {"range": hourly if node["partitionDefinition"]["fmt"] == HOUR_FORMAT else daily},
                    }
                    for node in nodes
                    if node["partitionDefinition"]
                ]
            }
            launched = client._execute(LAUNCH_BACKFILL, {"params": params})["launchPartitionBackfill"]
            assert launched["__typename"] == "LaunchBackfillSuccess", launched
            backfill_id = launched["backfillId"]
            deadline = time.monotonic() + BACKFILL_TIMEOUT_SECONDS
            while (
                status := client._execute(BACKFILL_STATUS, {"id": backfill_id})["partitionBackfillOrError"]["status"]
            ) in ("REQUESTED", "CANCELING"):
                assert time.monotonic() < deadline, f"backfill {backfill_id} still {status}"
                time.sleep(2)
            runs = client._execute(BACKFILL_RUNS, {"id": backfill_id})["runsOrError"]["results"]
        log = emulator.request_log

    assert status == "COMPLETED_SUCCESS"
    assert all(run["status"] == "SUCCESS" for run in runs)
    raw_runs = [run for run in runs if tag(run, "dagster/asset_partition_range_start")]
    assert sorted(
        (tag(r, "dagster/asset_partition_range_start"), tag(r, "dagster/asset_partition_range_end")) for r in raw_runs
    ) == [(f"{day}-00:00", f"{day}-23:00") for day in DAYS]
    assert all([a["path"] for a in run["assetSelection"]] == [["raw_conversation_pages"]] for run in raw_runs)
    partition_runs = {tag(run, "dagster/partition"): run for run in runs if run not in raw_runs}
    assert len(partition_runs) == 48 + 2
    for day in DAYS:
        raw_end = next(r["endTime"] for r in raw_runs if tag(r, "dagster/asset_partition_range_start").startswith(day))
        hour_runs = [run for key, run in partition_runs.items() if key.startswith(f"{day}-")]
        assert len(hour_runs) == 24
        assert min(run["startTime"] for run in hour_runs) >= raw_end
        assert partition_runs[day]["startTime"] >= max(run["endTime"] for run in hour_runs)

    # The jobs API, one job per day, and never the details query; the clients paced themselves under
    # the quota. (Each records run also asks the aggregates for its reconciliation check.)
    by_endpoint = endpoint_counts(log)
    assert {endpoint: n for endpoint, n in by_endpoint.items() if "/details/" in endpoint[1]} == {
        ("GET", DETAILS_JOBS_AVAILABILITY_PATH, 200): 2,
        ("POST", DETAILS_JOBS_PATH, 202): 2,
        ("GET", f"{DETAILS_JOBS_PATH}/{{id}}", 200): 4,
        ("GET", f"{DETAILS_JOBS_PATH}/{{id}}/results", 200): 2,
        ("DELETE", f"{DETAILS_JOBS_PATH}/{{id}}", 204): 2,
    }
    assert sum(1 for entry in log if entry.status == 429) <= 1, by_endpoint

    for day in DAYS:
        day_start = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC)
        expected = [row for hour in range(24) for row in emulator.expected_records(day_start + timedelta(hours=hour))]
        table = pq.read_table(lake / f"wrapup_daily/year=2024/month=05/day={day[-2:]}")
        assert table.num_rows == len(expected) > 24 * 10
        assert sorted_rows(table.to_pylist()) == sorted_rows(expected)
