"""The code location: assets, checks, jobs, automation and resources, from the deployment's settings.

The settings are read and checked first (`wrapup_assets.settings`): a bad or incomplete one stops
the load with a message naming every variable to fix, before anything can call Genesys.
"""

import dagster as dg

from wrapup_assets.assets import ALL_ASSETS, ALL_CHECKS_OF_ASSETS
from wrapup_assets.automation.directory import build_directory_schedule, summary_sensor
from wrapup_assets.automation.schedules import (
    build_freshness_schedule,
    build_hourly_ingest_schedule,
    build_restatement_schedule,
)
from wrapup_assets.automation.sensors import build_catch_up_sensor, daily_compaction_sensor
from wrapup_assets.checks import ALL_CHECKS
from wrapup_assets.jobs import ALL_JOBS
from wrapup_assets.resources import deployment_resources
from wrapup_assets.settings import load_settings

settings = load_settings()

defs = dg.Definitions(
    assets=ALL_ASSETS,
    asset_checks=[*ALL_CHECKS, *ALL_CHECKS_OF_ASSETS],
    jobs=ALL_JOBS,
    schedules=[
        build_hourly_ingest_schedule(settings.automation),
        build_restatement_schedule(settings.automation),
        build_freshness_schedule(settings.automation),
        build_directory_schedule(settings.automation),
    ],
    sensors=[build_catch_up_sensor(settings.automation), daily_compaction_sensor, summary_sensor],
    resources=deployment_resources(settings),
    # Hourly runs are small: a process per step cost 50-80 s per run here, in-process under 1 s.
    executor=dg.in_process_executor,
)
