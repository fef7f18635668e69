"""The commands a user types, run as separate processes: the demo and `dagster asset materialize`."""

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq

from wrapup_assets.emulator import EmulatorConfig, GenesysEmulator
from wrapup_assets_tests.commands import BIN, clean_environment, materialize_command

SECRET = "s3cr3t-wrapup-test-do-not-leak"


def files_containing(root: Path, needle: bytes) -> list[str]:
    return [str(path) for path in root.rglob("*") if path.is_file() and needle in path.read_bytes()]


def test_dagster_asset_materialize_writes_the_hour_and_leaks_no_secret(tmp_path: Path):
    config = EmulatorConfig(seed=3, conversations_per_hour=30, client_id="cli-test-client", client_secret=SECRET)
    lake, home = tmp_path / "lake", tmp_path / "dagster_home"
    home.mkdir()
    command = materialize_command()
    with GenesysEmulator(config) as emulator:
        environment = clean_environment(
            GENESYS_API_URL=emulator.api_url,
            GENESYS_LOGIN_URL=emulator.login_url,
            GENESYS_CLIENT_ID=config.client_id,
            GENESYS_CLIENT_SECRET=SECRET,
            WRAPUP_LAKE_URL=str(lake),
            DAGSTER_HOME=str(home),
        )
        runs = [subprocess.run(command, env=environment, capture_output=True, timeout=300) for _ in range(2)]
        expected = emulator.expected_records(datetime(2024, 5, 1, 9, tzinfo=UTC))

    for run in runs:
        assert run.returncode == 0, run.stderr.decode()[-3000:]
        assert SECRET.encode() not in run.stdout + run.stderr
    partition = lake / "wrapup_records/year=2024/month=05/day=01/hour=09"
    assert sorted(p.name for p in partition.iterdir()) == ["_manifest.json", "part-00000.parquet"]
    rows = pq.read_table(partition / "part-00000.parquet").to_pylist()
    key = lambda row: (row["interaction_id"], row["session_id"])  # noqa: E731
    assert sorted(rows, key=key) == sorted(expected, key=key)
    assert files_containing(home, SECRET.encode()) == []
    assert files_containing(lake, SECRET.encode()) == []
    with dg.DagsterInstance.from_config(str(home)) as instance:
        evaluations = [
            record.event_log_entry.dagster_event.event_specific_data
            for record in instance.get_records_for_run(
                instance.get_runs()[0].run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
            ).records
        ]
        assert {(e.check_name, e.passed) for e in evaluations} == {
            ("record_schema", True),
            ("key_unique", True),
            ("quarantine_within_threshold", True),
            ("reconciled_with_genesys_aggregates", True),
        }, "a historical hour leaves no failed check, freshness is left to its schedule"
        assert {run.tags["wrapup/genesys"] for run in instance.get_runs()} == {"emulator"}


def test_missing_client_secret_fails_before_any_api_call(tmp_path: Path):
    with GenesysEmulator(EmulatorConfig()) as emulator:
        environment = clean_environment(
            GENESYS_API_URL=emulator.api_url,
            GENESYS_LOGIN_URL=emulator.login_url,
            GENESYS_CLIENT_ID="someone",
            WRAPUP_LAKE_URL=str(tmp_path / "lake"),
            DAGSTER_HOME=str(tmp_path),
        )
        run = subprocess.run(
            materialize_command(select="raw_conversation_pages"),
            env=environment,
            capture_output=True,
            timeout=300,
        )
        requests_seen = emulator.request_log
    assert run.returncode != 0
    assert b"GENESYS_CLIENT_SECRET" in run.stdout + run.stderr
    assert requests_seen == []


def test_demo_materializes_a_whole_day_and_says_it_used_the_emulator(tmp_path: Path):
    lake = tmp_path / "lake"
    run = subprocess.run(
        [
            str(BIN / "wrapup-assets"),
            "demo",
            "--lake",
            str(lake),
            "--dagster-home",
            str(tmp_path / "home"),
            "--conversations-per-hour",
            "6",
        ],
        env=clean_environment(),
        capture_output=True,
        timeout=600,
        cwd=tmp_path,
    )
    output = run.stdout.decode()
    assert run.returncode == 0, run.stderr.decode()[-3000:]
    assert "DEMO ON THE GENESYS CLOUD EMULATOR" in output
    hours = sorted(lake.glob("wrapup_records/year=2024/month=05/day=01/hour=*/part-00000.parquet"))
    assert len(hours) == 24
    assert [p.name for p in lake.glob("wrapup_daily/year=2024/month=05/day=01/*.parquet")] == ["part-00000.parquet"]
    assert "Hourly partitions of 2024-05-01 read through hive_partitioning: 24 hours" in output
