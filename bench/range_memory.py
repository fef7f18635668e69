"""Peak memory of a range run (a backfill run over many hours) against a one-hour run.

Starts the emulator on loopback at ``--conversations-per-hour`` (its peak-hour volume; the day
follows the emulator's curve), then materializes ``raw_conversation_pages`` + ``wrapup_records``
twice, each in a fresh child process on a fresh Dagster instance and lake: once for the busiest
hour of the first day, once for ``--hours`` hours from that day's midnight as one range run (the
backfill's tags), so no hour of the range is busier than the single hour. Prints each child's
peak RSS (``ru_maxrss``) and wall time, and their ratio: a range run streams hour by hour, so its
peak should stay near the one-hour run's.

Run: ``.venv/bin/python bench/range_memory.py --hours 168 --conversations-per-hour 1000``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wrapup_assets.emulator import EmulatorConfig, GenesysEmulator  # noqa: E402

# The emulator's busiest hour of the day: the one-hour run takes it, so the range's hours are
# at most as busy (its volume is the peak-hour volume, shaped over the day).
FIRST_HOUR = datetime(2024, 3, 4, 0, tzinfo=UTC)
CHILD = """
import json, resource, sys, tempfile, time
import dagster as dg
from wrapup_assets.assets import ALL_ASSETS, raw_conversation_pages, wrapup_records
from wrapup_assets.genesys.resource import GenesysCloudResource
from wrapup_assets.lake.io_manager import LakeIOManager

args = json.loads(sys.argv[1])
first, last = args["first"], args["last"]
placement = (
    {"partition_key": first}
    if first == last
    else {"tags": {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}}
)
with tempfile.TemporaryDirectory() as lake, dg.instance_for_test() as instance:
    started = time.perf_counter()
    result = dg.materialize(
        ALL_ASSETS,
        selection=[raw_conversation_pages, wrapup_records],
        resources={"genesys": GenesysCloudResource(**args["genesys"]), "io_manager": LakeIOManager(lake_url=lake)},
        instance=instance,
        run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}},
        **placement,
    )
    seconds = time.perf_counter() - started
peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"success": result.success, "seconds": seconds, "peak_rss_mib": peak_rss_mib}))
"""


def run_child(first: str, last: str, genesys: dict) -> dict:
    output = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps({"first": first, "last": last, "genesys": genesys})],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=int, default=168)
    parser.add_argument("--conversations-per-hour", type=int, default=1000)
    args = parser.parse_args()
    config = EmulatorConfig(seed=3, conversations_per_hour=args.conversations_per_hour)
    key = "%Y-%m-%d-%H:%M"
    with GenesysEmulator(config) as emulator:
        genesys = {
            "api_url": emulator.api_url,
            "login_url": emulator.login_url,
            "client_id": config.client_id,
            "client_secret": config.client_secret,
        }
        busiest = max(
            range(24), key=lambda hour: len(emulator.conversations_for_hour(FIRST_HOUR + timedelta(hours=hour)))
        )
        one_hour = (FIRST_HOUR + timedelta(hours=busiest)).strftime(key)
        started = time.perf_counter()
        single = run_child(one_hour, one_hour, genesys)
        ranged = run_child(
            FIRST_HOUR.strftime(key), (FIRST_HOUR + timedelta(hours=args.hours - 1)).strftime(key), genesys
        )
        total = time.perf_counter() - started
    print(
        f"one hour ({one_hour}, the busiest of the day): peak RSS {single['peak_rss_mib']:.0f} MiB, "
        f"{single['seconds']:.1f} s"
    )
    print(
        f"{args.hours} hours in one range run: peak RSS {ranged['peak_rss_mib']:.0f} MiB, {ranged['seconds']:.1f} s; "
        f"ratio {ranged['peak_rss_mib'] / single['peak_rss_mib']:.2f} ({total:.0f} s in all)"
    )


if __name__ == "__main__":
    main()
