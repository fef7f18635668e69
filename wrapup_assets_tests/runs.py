"""The production assets and resources pointed at an emulator and a lake, for tests that run them."""

import dagster as dg
from dagster._core.event_api import PartitionKeyFilter

from wrapup_assets.assets import ALL_ASSETS, raw_conversation_pages, wrapup_records
from wrapup_assets.emulator import GenesysEmulator
from wrapup_assets.genesys.resource import GenesysCloudResource
from wrapup_assets.lake.io_manager import LakeIOManager


def emulator_resources(
    emulator: GenesysEmulator, lake_url: str, genesys_settings: dict | None = None, **io_manager_settings: object
) -> dict[str, object]:
    """The `genesys` and `io_manager` resources of the code location, for this emulator and lake."""
    genesys = GenesysCloudResource(
        api_url=emulator.api_url,
        login_url=emulator.login_url,
        client_id=emulator.config.client_id,
        client_secret=emulator.config.client_secret,
        **(genesys_settings or {}),
    )
    return {"genesys": genesys, "io_manager": LakeIOManager(lake_url=lake_url, **io_manager_settings)}


def materialize_raw_and_records(
    key: str, resources: dict, instance: dg.DagsterInstance, **materialize_options: object
) -> dg.ExecuteInProcessResult:
    """Raw pages and records of one hour in one run, as the hourly job runs them."""
    return dg.materialize(
        ALL_ASSETS,
        selection=[raw_conversation_pages, wrapup_records],
        partition_key=key,
        resources=resources,
        instance=instance,
        **materialize_options,
    )


def latest_check_verdict(
    instance: dg.DagsterInstance, check_key: dg.AssetCheckKey, partition: str
) -> tuple[bool, bool]:
    """(passed, targets the latest materialization) of the partition's latest evaluation of the
    check, read through the instance API the UI's check partition view reads."""
    records = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [check_key], partition_filter=PartitionKeyFilter(key=partition)
    )
    evaluation = records[check_key].evaluation
    assert evaluation is not None, f"{check_key.to_user_string()} has no evaluation for {partition}"
    latest = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=check_key.asset_key, asset_partitions=[partition]), limit=1
    ).records
    target = evaluation.target_materialization_data
    targets_latest = bool(latest) and target is not None and target.storage_id == latest[0].storage_id
    return evaluation.passed, targets_latest
