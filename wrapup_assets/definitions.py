"""The code location: assets, checks, jobs and resources, configured from the environment.

With no Genesys variables set, the Genesys resource runs the embedded emulator and says so
loudly in every run's log; with any of them set it talks to that org and the emulator is
never used.
"""

import os
from collections.abc import Mapping
from pathlib import Path

import dagster as dg

from wrapup_assets.assets import ALL_ASSETS
from wrapup_assets.genesys.resource import genesys_resource_from_environment
from wrapup_assets.jobs import ALL_JOBS
from wrapup_assets.lake.io_manager import LakeIOManager

LAKE_URL_VARIABLE = "WRAPUP_LAKE_URL"
DEFAULT_LAKE_PATH = "data/lake"


def lake_io_manager_from_environment(environ: Mapping[str, str] = os.environ) -> LakeIOManager:
    """The lake IO manager at `WRAPUP_LAKE_URL`, or at ./data/lake (absolute) when it is unset."""
    if environ.get(LAKE_URL_VARIABLE):
        return LakeIOManager(lake_url=dg.EnvVar(LAKE_URL_VARIABLE))
    return LakeIOManager(lake_url=str(Path(DEFAULT_LAKE_PATH).resolve()))


defs = dg.Definitions(
    assets=ALL_ASSETS,
    jobs=ALL_JOBS,
    resources={
        "genesys": genesys_resource_from_environment(),
        "io_manager": lake_io_manager_from_environment(),
    },
    # Hourly runs are small: a process per step cost 50-80 s per run here, in-process under 1 s.
    executor=dg.in_process_executor,
)
