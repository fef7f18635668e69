"""One hour (raw pages + records) through the real assets and IO manager; also run as the process the crash tests kill.

``python -m wrapup_assets_tests.s3.hour_run '<json settings>'`` materializes the hour on an
ephemeral Dagster instance, exactly as ``hour_run.materialize_hour`` does in the test process.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass

import dagster as dg
from dagster_aws.s3 import S3Resource

from wrapup_assets.assets import ALL_ASSETS, raw_conversation_pages, wrapup_records
from wrapup_assets.genesys.resource import GenesysCloudResource
from wrapup_assets.lake import crash_points
from wrapup_assets.lake.io_manager import LakeIOManager

HOUR = "2024-05-01-09:00"


@dataclass(frozen=True)
class HourRun:
    """Where the hour comes from (an emulator) and goes to (a lake), and how small the part files are."""

    lake_url: str
    api_url: str
    login_url: str
    client_id: str
    client_secret: str
    target_file_bytes: int

    def to_json(self) -> str:
        return json.dumps(asdict(self))


def materialize_hour(run: HourRun, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    resources = {
        "genesys": GenesysCloudResource(
            api_url=run.api_url, login_url=run.login_url, client_id=run.client_id, client_secret=run.client_secret
        ),
        "io_manager": LakeIOManager(lake_url=run.lake_url, target_file_bytes=run.target_file_bytes, s3=S3Resource()),
    }
    return dg.materialize(
        ALL_ASSETS,
        selection=[raw_conversation_pages, wrapup_records],
        partition_key=HOUR,
        resources=resources,
        instance=instance,
    )


if __name__ == "__main__":
    crash_points.arm(crash_points.LakeTestPoints.from_variables(os.environ))  # the crash tests' kill point
    materialize_hour(HourRun(**json.loads(sys.argv[1])), dg.DagsterInstance.ephemeral())
