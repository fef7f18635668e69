"""The history path from outside: a two-day asset backfill launched with `wrapup-assets backfill`
(through GraphQL, as the UI launches it), on `dagster dev` with its daemon, against an emulator with
a request quota.

Raw pages and records of both days run in ONE range run (same partitions, same backfill policy:
the daemon groups them), the daily compaction of both days in one more; the raw pages come through
one details job; every daily partition holds exactly the emulator oracle's rows.

The emulator runs in this process (real clock: 2024 is long before its jobs availability date) and
`dagster dev` reaches it as a real org, through GENESYS_API_URL and friends.
"""

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq

from wrapup_assets.emulator import EmulatorConfig, GenesysEmulator
from wrapup_assets.genesys.client import DETAILS_JOBS_AVAILABILITY_PATH, DETAILS_JOBS_PATH
from wrapup_assets_tests.backfill.request_log import endpoint_counts
from wrapup_assets_tests.commands import BIN, org_environment
from wrapup_assets_tests.dagster_dev_server import running_dagster_dev, wait_for_backfill, webserver_url
from wrapup_assets_tests.test_pipeline import sorted_rows

DAYS = ("2024-05-01", "2024-05-02")
EMULATOR = EmulatorConfig(seed=5, conversations_per_hour=40, requests_per_minute=30)
BACKFILL_TIMEOUT_SECONDS = 240


def tag(run: dict, key: str) -> str | None:
    return next((t["value"] for t in run["tags"] if t["key"] == key), None)


def test_a_two_day_backfill_runs_as_two_range_runs_and_fills_the_lake(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    with GenesysEmulator(EMULATOR) as emulator:
        environment = {
            **org_environment(emulator),
            "GENESYS_REQUESTS_PER_MINUTE": str(EMULATOR.requests_per_minute),
            "WRAPUP_LAKE_URL": str(lake),
            "WRAPUP_AUTOMATION": "stopped",  # only the backfill talks to the emulator
        }
        with running_dagster_dev(tmp_path / "home", environment) as client:
            url = webserver_url(client)
            launched = subprocess.run(
                [str(BIN / "wrapup-assets"), "backfill", "--from", DAYS[0], "--to", DAYS[-1], "--webserver", url],
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert launched.returncode == 0, launched.stderr
            backfill_id = launched.stdout.split()[1]
            assert launched.stdout.strip().endswith(f"follow it at {url}/runs/b/{backfill_id}")
            status, runs = wait_for_backfill(client, backfill_id, BACKFILL_TIMEOUT_SECONDS)
        log = emulator.request_log

    assert status == "COMPLETED_SUCCESS"
    assert all(run["status"] == "SUCCESS" for run in runs)
    ranges = sorted(
        (
            sorted(path for selected in run["assetSelection"] for path in selected["path"]),
            tag(run, "dagster/asset_partition_range_start"),
            tag(run, "dagster/asset_partition_range_end"),
        )
        for run in runs
    )
    assert ranges == [
        (
            ["raw_conversation_pages", "wrapup_records", "wrapup_records_quarantine"],
            "2024-05-01-00:00",
            "2024-05-02-23:00",
        ),
        (["wrapup_daily"], DAYS[0], DAYS[-1]),
    ]

    # One details job for the whole range, never the details query; the client paced itself under the quota.
    by_endpoint = endpoint_counts(log)
    assert {endpoint: n for endpoint, n in by_endpoint.items() if "/details/" in endpoint[1]} == {
        ("GET", DETAILS_JOBS_AVAILABILITY_PATH, 200): 1,
        ("POST", DETAILS_JOBS_PATH, 202): 1,
        ("GET", f"{DETAILS_JOBS_PATH}/{{id}}", 200): 2,
        ("GET", f"{DETAILS_JOBS_PATH}/{{id}}/results", 200): 1,
        ("DELETE", f"{DETAILS_JOBS_PATH}/{{id}}", 204): 1,
    }
    assert sum(1 for entry in log if entry.status == 429) <= 1, by_endpoint

    for day in DAYS:
        day_start = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC)
        expected = [row for hour in range(24) for row in emulator.expected_records(day_start + timedelta(hours=hour))]
        table = pq.read_table(lake / f"wrapup_daily/year=2024/month=05/day={day[-2:]}")
        assert table.num_rows == len(expected) > 24 * 10
        assert sorted_rows(table.to_pylist()) == sorted_rows(expected)
