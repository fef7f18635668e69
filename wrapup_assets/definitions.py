"""The code location: assets, checks, jobs, automation and resources, configured from the environment.

With no Genesys variables set, the Genesys resource runs the embedded emulator and says so
loudly in every run's log; with any of them set it talks to that org and the emulator is
never used.
"""

import gc

import dagster as dg

from wrapup_assets.assets import ALL_ASSETS
from wrapup_assets.automation.directory import build_directory_schedule, summary_sensor
from wrapup_assets.automation.schedules import (
    build_freshness_schedule,
    build_hourly_ingest_schedule,
    build_restatement_schedule,
)
from wrapup_assets.automation.sensors import build_catch_up_sensor, daily_compaction_sensor
from wrapup_assets.automation.settings import automation_settings_from_environment
from wrapup_assets.checks import ALL_CHECKS
from wrapup_assets.genesys.resource import genesys_resource_from_environment
from wrapup_assets.jobs import ALL_JOBS
from wrapup_assets.lake.io_manager import lake_io_manager_from_environment

genesys = genesys_resource_from_environment()
automation_settings = automation_settings_from_environment(real_org=not genesys.use_embedded_emulator)

defs = dg.Definitions(
    assets=ALL_ASSETS,
    asset_checks=ALL_CHECKS,
    jobs=ALL_JOBS,
    schedules=[
        build_hourly_ingest_schedule(automation_settings),
        build_restatement_schedule(automation_settings),
        build_freshness_schedule(automation_settings),
        build_directory_schedule(automation_settings),
    ],
    sensors=[build_catch_up_sensor(automation_settings), daily_compaction_sensor, summary_sensor],
    resources={
        "genesys": genesys,
        "io_manager": lake_io_manager_from_environment(),
    },
    # Hourly runs are small: a process per step cost 50-80 s per run here, in-process under 1 s.
    executor=dg.in_process_executor,
)

# Everything imported and built above lives as long as the process. Freezing it takes its ~230k
# objects out of the cyclic garbage collector's reach, so that the interpreter's exit no longer
# collects and frees them one by one: 0.5 s of the ~3 s a `dagster asset materialize` process
# takes here, for nothing (the OS reclaims the memory). Objects created later are collected as usual.
gc.freeze()
