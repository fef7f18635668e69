"""The resources of a deployment, chosen in one place from its settings.

No GENESYS_* connection variable: each run starts the embedded emulator (synthetic data, said
loudly). Otherwise the production resource, whose endpoints and credentials stay `dg.EnvVar`s that
Dagster reads at run start, so no secret is stored in the definitions. The lake is the local
default or `WRAPUP_LAKE_URL`; an s3:// lake takes the standard AWS settings through an
unconfigured `S3Resource`.
"""

from __future__ import annotations

from typing import Any

import dagster as dg
from dagster_aws.s3 import S3Resource

from wrapup_assets.emulator.resource import EmbeddedEmulatorResource
from wrapup_assets.genesys.resource import GenesysCloudResource
from wrapup_assets.lake.io_manager import LakeIOManager
from wrapup_assets.lake.location import LAKE_URL_ENV_VAR
from wrapup_assets.settings import API_URL, CLIENT_ID, CLIENT_SECRET, LOGIN_URL, REGION, GenesysConnection, Settings


def genesys_resource(settings: Settings) -> GenesysCloudResource:
    """The production resource for a configured org, else the embedded emulator's sibling."""
    genesys = settings.genesys
    tuning = genesys.tuning.resource_fields()
    if genesys.connection is GenesysConnection.EMULATOR:
        return EmbeddedEmulatorResource(**tuning)
    endpoints: dict[str, Any] = (
        {"region": dg.EnvVar(REGION)}
        if genesys.connection is GenesysConnection.REGION
        else {"api_url": dg.EnvVar(API_URL), "login_url": dg.EnvVar(LOGIN_URL)}
    )
    return GenesysCloudResource(
        client_id=dg.EnvVar(CLIENT_ID), client_secret=dg.EnvVar(CLIENT_SECRET), **endpoints, **tuning
    )


def lake_io_manager(settings: Settings) -> LakeIOManager:
    """The lake IO manager at `WRAPUP_LAKE_URL`, or at ./data/lake (made absolute) when it is unset."""
    lake_url = dg.EnvVar(LAKE_URL_ENV_VAR) if settings.lake_url_from_environment else settings.lake_url
    return LakeIOManager(lake_url=lake_url, s3=S3Resource())


def deployment_resources(settings: Settings) -> dict[str, Any]:
    """Every resource the definitions bind, by key."""
    return {"genesys": genesys_resource(settings), "io_manager": lake_io_manager(settings)}
