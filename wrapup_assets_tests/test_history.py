"""`wrapup-assets backfill`: what it sends, and the errors a person meets before anything is sent.

The launch itself, through a real webserver and daemon, is tested from outside in
backfill/test_dagster_backfill.py.
"""

import subprocess
from datetime import UTC, datetime

import pytest

from wrapup_assets.history import HistoryLaunchError, HistoryRange, launch_history_backfill
from wrapup_assets_tests.commands import BIN, clean_environment
from wrapup_assets_tests.dagster_dev_server import free_port

NOW = datetime(2026, 12, 7, 11, 30, tzinfo=UTC)


def test_the_params_are_the_uis_partition_range_backfill_of_the_history_assets():
    assert HistoryRange.of_days("2025-01-01", "2025-12-31", NOW).backfill_params() == {
        "partitionsByAssets": [
            {
                "assetKey": {"path": [name]},
                "partitions": {"range": {"start": "2025-01-01-00:00", "end": "2025-12-31-23:00"}},
            }
            for name in ("raw_conversation_pages", "wrapup_records", "wrapup_records_quarantine")
        ]
        + [
            {
                "assetKey": {"path": ["wrapup_daily"]},
                "partitions": {"range": {"start": "2025-01-01", "end": "2025-12-31"}},
            }
        ]
    }


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (
            "2025-01-01-00:00",
            "2025-01-02",
            "'2025-01-01-00:00' is not a partition key: a daily partition key is YYYY-MM-DD in UTC, e.g. 2024-05-01",
        ),
        (
            "2025/01/01",
            "2025-01-02",
            "'2025/01/01' is not a partition key: a daily partition key is YYYY-MM-DD in UTC, e.g. 2024-05-01",
        ),
        ("2025-02-01", "2025-01-31", "--from 2025-02-01 is after --to 2025-01-31: give the earlier day first"),
        (
            "2026-12-01",
            "2026-12-07",
            "--to 2026-12-07 has not ended yet: history ends at 2026-12-06 (UTC); "
            "the schedule and the catch-up sensor fill the hours since",
        ),
    ],
    ids=["an hour key", "slashes", "reversed", "today"],
)
def test_a_bad_range_is_refused_naming_the_fix(first: str, last: str, message: str):
    with pytest.raises(HistoryLaunchError) as raised:
        HistoryRange.of_days(first, last, NOW)
    assert str(raised.value) == message


def test_no_webserver_is_named_with_the_way_to_start_one():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(HistoryLaunchError) as raised:
        launch_history_backfill(url, HistoryRange.of_days("2024-05-01", "2024-05-01", NOW))
    assert str(raised.value) == (
        f"cannot reach the Dagster webserver at {url} (ConnectionError): start it "
        "(make dev, or the production webserver and daemon) or pass --webserver URL"
    )


def test_the_command_prints_the_error_and_exits_non_zero_without_a_traceback():
    run = subprocess.run(
        [str(BIN / "wrapup-assets"), "backfill", "--from", "2024-05-02", "--to", "2024-05-01"],
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (run.returncode, run.stdout, run.stderr) == (
        1,
        "",
        "wrapup-assets backfill: --from 2024-05-02 is after --to 2024-05-01: give the earlier day first\n",
    )
