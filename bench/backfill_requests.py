"""What a day of raw pages costs in Genesys API requests: the details query versus a details job.

Starts the emulator at the demo's settings (or ``--conversations-per-hour``) on loopback, then
exports 2024-05-01 into a temporary lake three ways, each on a fresh emulator request log:

* ``query, 24 hourly runs``: one run per hour, as the schedule and the catch-up sensor run them;
* ``query, one 24-hour run``: a backfill run with ``use_details_jobs: false``;
* ``details job, one 24-hour run``: a backfill run as shipped (one async job for the day).

Prints requests, conversations received and requests per 1,000 conversations for each (the
figures the runs record in their metadata). Run: ``.venv/bin/python bench/backfill_requests.py``.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import dagster as dg

from wrapup_assets.assets import raw_conversation_pages
from wrapup_assets.emulator import EmulatorConfig, GenesysEmulator
from wrapup_assets.genesys.resource import GenesysCloudResource
from wrapup_assets.lake.io_manager import LakeIOManager
from wrapup_assets.partitions import day_hour_keys

DAY = "2024-05-01"
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def _run(resources: dict, instance: dg.DagsterInstance, keys: list[str], use_details_jobs: bool) -> dict:
    config = {"ops": {"raw_conversation_pages": {"config": {"use_details_jobs": use_details_jobs}}}, **QUIET}
    if len(keys) == 1:
        placement: dict = {"partition_key": keys[0]}
    else:
        placement = {
            "tags": {"dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]}
        }
    result = dg.materialize(
        [raw_conversation_pages], resources=resources, instance=instance, run_config=config, **placement
    )
    metadata = result.asset_materializations_for_node("raw_conversation_pages")[0].metadata
    return {key: getattr(value, "value", value) for key, value in metadata.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations-per-hour", type=int, default=EmulatorConfig.conversations_per_hour)
    args = parser.parse_args()
    config = EmulatorConfig(conversations_per_hour=args.conversations_per_hour)
    hours = day_hour_keys(DAY)
    rows = []
    with GenesysEmulator(config) as emulator, dg.instance_for_test() as instance, tempfile.TemporaryDirectory() as lake:
        resources = {
            "genesys": GenesysCloudResource(
                api_url=emulator.api_url,
                login_url=emulator.login_url,
                client_id=config.client_id,
                client_secret=config.client_secret,
            ),
            "io_manager": LakeIOManager(lake_url=lake),
        }
        for label, runs, use_jobs in (
            ("query, 24 hourly runs", [[key] for key in hours], False),
            ("query, one 24-hour run", [hours], False),
            ("details job, one 24-hour run", [hours], True),
        ):
            emulator.clear_request_log()
            started = time.perf_counter()
            figures = [_run(resources, instance, keys, use_jobs) for keys in runs]
            seconds = time.perf_counter() - started
            requests = sum(f["api_requests"] for f in figures)
            conversations = sum(f.get("run_conversations_received", f["conversations_received"]) for f in figures)
            rows.append((label, requests, conversations, requests * 1000 / conversations, seconds))
    print(f"{DAY}, {config.conversations_per_hour} conversations per hour (emulator)")
    print(f"{'path':<30} {'requests':>8} {'conversations':>13} {'per 1,000':>9} {'seconds':>8}")
    for label, requests, conversations, per_thousand, seconds in rows:
        print(f"{label:<30} {requests:>8} {conversations:>13} {per_thousand:>9.1f} {seconds:>8.1f}")


if __name__ == "__main__":
    main()
