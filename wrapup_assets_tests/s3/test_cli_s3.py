"""The issue's done-when: `dagster asset materialize` as a user types it, with the lake on S3 (moto on loopback)."""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq

from wrapup_assets.emulator import EmulatorConfig, GenesysEmulator
from wrapup_assets_tests.commands import clean_environment, materialize_command, org_environment
from wrapup_assets_tests.s3.conftest import S3Server

COMMAND = materialize_command()
RECORDS_DIR = "exports/wrapup_records/year=2024/month=05/day=01/hour=09/"


def test_dagster_asset_materialize_writes_the_hour_to_s3_and_a_second_run_leaves_the_same_objects(
    s3_server: S3Server, tmp_path: Path
) -> None:
    config = EmulatorConfig(seed=3, conversations_per_hour=30, client_id="cli-s3-client", client_secret="cli-s3-secret")
    home = tmp_path / "dagster_home"
    home.mkdir()
    with GenesysEmulator(config) as emulator:
        environment = clean_environment(
            **org_environment(emulator),
            WRAPUP_LAKE_URL="s3://lake/exports",
            DAGSTER_HOME=str(home),
        )  # AWS_ENDPOINT_URL and the test credentials come from the s3_server fixture
        first = subprocess.run(COMMAND, env=environment, capture_output=True, timeout=300)
        assert first.returncode == 0, first.stderr.decode()[-3000:]
        after_first = s3_server.objects()
        second = subprocess.run(COMMAND, env=environment, capture_output=True, timeout=300)
        assert second.returncode == 0, second.stderr.decode()[-3000:]
        after_second = s3_server.objects()
        expected = emulator.expected_records(datetime(2024, 5, 1, 9, tzinfo=UTC))

    assert [key for key in after_second if key.endswith("/") or "/_staging/" in key] == []
    records = {key.removeprefix(RECORDS_DIR): data for key, data in after_second.items() if key.startswith(RECORDS_DIR)}
    assert sorted(records)[0] == "_manifest.json"
    [(part_name, part)] = [(name, data) for name, data in records.items() if name != "_manifest.json"]
    assert part_name.startswith("part-00000-") and part_name.endswith(".parquet")
    rows = pq.read_table(io.BytesIO(part)).to_pylist()
    key = lambda row: (row["interaction_id"], row["session_id"])  # noqa: E731
    assert sorted(rows, key=key) == sorted(expected, key=key)
    assert sorted(after_second) == sorted(after_first)  # the same keys: nothing added, nothing doubled
    assert after_second[RECORDS_DIR + part_name] == after_first[RECORDS_DIR + part_name]  # and the same bytes
