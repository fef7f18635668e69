"""A backfill of history launched as the UI launches it, timed from outside.

Starts the emulator (demo volume by default, or ``--conversations-per-hour``) with a request quota
on loopback, then ``dagster dev`` on the project's workspace (webserver + daemon, schedules and
sensors stopped) pointed at it as a real org, launches an asset backfill of raw pages, records and
the daily compaction over ``--days`` days through GraphQL ``launchPartitionBackfill`` (what the
UI's "Materialize -> partition range" sends), and waits for it. Prints wall seconds (total and per
day of history), runs launched, API requests, and the quota floor (requests / requests per minute:
the time the API's quota alone needs) beside the wall time, then each run's asset selection,
range and timings, for the profile in bench/README.md.

Run: ``.venv/bin/python bench/backfill.py --days 30`` (add ``--conversations-per-hour 1200`` for
10x the demo volume).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wrapup_assets.emulator import EmulatorConfig, GenesysEmulator  # noqa: E402
from wrapup_assets_tests.dagster_dev_server import (  # noqa: E402
    launch_history,
    running_dagster_dev,
    wait_for_backfill,
)

FIRST_DAY = datetime(2024, 3, 1, tzinfo=UTC)


def tag(run: dict, key: str) -> str:
    return next((t["value"] for t in run["tags"] if t["key"] == key), "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--conversations-per-hour", type=int, default=EmulatorConfig.conversations_per_hour)
    parser.add_argument(
        "--requests-per-minute", type=int, default=300, help="the emulator's quota and the client's pace"
    )
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args()

    last_day = FIRST_DAY + timedelta(days=args.days - 1)
    days = (f"{FIRST_DAY:%Y-%m-%d}", f"{last_day:%Y-%m-%d}")
    config = EmulatorConfig(
        seed=3, conversations_per_hour=args.conversations_per_hour, requests_per_minute=args.requests_per_minute
    )
    with tempfile.TemporaryDirectory(prefix="bench-backfill-") as scratch, GenesysEmulator(config) as emulator:
        environment = {
            "GENESYS_API_URL": emulator.api_url,
            "GENESYS_LOGIN_URL": emulator.login_url,
            "GENESYS_CLIENT_ID": config.client_id,
            "GENESYS_CLIENT_SECRET": config.client_secret,
            "GENESYS_REQUESTS_PER_MINUTE": str(args.requests_per_minute),
            "WRAPUP_LAKE_URL": str(Path(scratch) / "lake"),
            "WRAPUP_AUTOMATION": "stopped",
        }
        with running_dagster_dev(Path(scratch) / "home", environment) as client:
            started = time.time()
            backfill_id = launch_history(client, *days)
            status, runs = wait_for_backfill(client, backfill_id, args.timeout)
            wall = time.time() - started
        requests = len(emulator.request_log)

    floor = requests / args.requests_per_minute * 60
    print(
        f"{args.days} days at {args.conversations_per_hour} conversations/peak hour: {status} in {wall:.0f} s wall "
        f"({wall / args.days:.1f} s per day of history), {len(runs)} runs, {requests} API requests, quota floor "
        f"{floor:.0f} s at {args.requests_per_minute} requests/min (wall / floor {wall / max(floor, 1):.1f})"
    )
    first_start = min(run["startTime"] for run in runs)
    last_end = max(run["endTime"] for run in runs)
    print(
        f"  first run started {first_start - started:.1f} s after the launch; the backfill was seen complete "
        f"{started + wall - last_end:.1f} s after the last run ended; runs busy {last_end - first_start:.1f} s"
    )
    for run in sorted(runs, key=lambda run: run["startTime"]):
        assets = ",".join(path for selected in run["assetSelection"] for path in selected["path"])
        start, took = run["startTime"] - first_start, run["endTime"] - run["startTime"]
        first, last = tag(run, "dagster/asset_partition_range_start"), tag(run, "dagster/asset_partition_range_end")
        print(f"  {run['status']:<8} start +{start:6.1f} s  took {took:6.1f} s  {first}..{last}  {assets}")


if __name__ == "__main__":
    main()
