"""The org's directory as type-2 histories (`genesys_queues`, `genesys_users`, `genesys_divisions`)
and the daily snapshot of which codes each queue offers (`queue_wrapup_codes`).

Records carry ids (`queue_id`, `agent_id`, `division_id`); these histories name them as of any
time, through the same merge as `wrapup_codes` (records/scd.py). Each refresh lists Genesys,
reads the stored history back from the lake (an unpartitioned asset cannot depend on itself),
extends it and hands it to the lake IO manager, which publishes it like every dataset.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import dagster as dg
import pyarrow as pa
from pydantic import Field

from wrapup_assets.assets.metadata import GROUP_NAME, OWNERS, column_schema, table_preview_markdown
from wrapup_assets.genesys.client import GenesysClient
from wrapup_assets.genesys.resource import GenesysCloudResource
from wrapup_assets.lake.io_manager import LakeIOManager
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.partitions import daily_partitions, utc_window
from wrapup_assets.records.directory import (
    DIVISION_HISTORY,
    QUEUE_HISTORY,
    QUEUE_WRAPUP_CODES_SCHEMA,
    USER_HISTORY,
    PersonalData,
    division_snapshot,
    queue_snapshot,
    queue_wrapup_codes_table,
    user_snapshot,
)
from wrapup_assets.records.scd import HistorySpec, current_versions, is_history, merge_history, state_counts

FIRST_CHANGES = 10
QUEUES_DATASET, USERS_DATASET, DIVISIONS_DATASET = "genesys_queues", "genesys_users", "genesys_divisions"
QUEUE_WRAPUP_CODES_DATASET = "queue_wrapup_codes"
# A snapshot taken this long after its day ended no longer describes that day (see queue_wrapup_codes).
MAX_SNAPSHOT_DELAY = timedelta(hours=30)


def refreshed_history(
    context: dg.AssetExecutionContext,
    io_manager: LakeIOManager,
    spec: HistorySpec,
    fetch_snapshot: Callable[[], pa.Table],
    preview_columns: list[str],
    extra_metadata: dict[str, str] | None = None,
) -> dg.Output[pa.Table]:
    """The stored history of the asset extended by a snapshot of Genesys, with the UI's metadata."""
    dataset = context.asset_key.path[-1]
    snapshot = fetch_snapshot()
    refreshed_at = datetime.now(UTC)
    stored = io_manager.lake().published_table(LakePartition.unpartitioned(dataset))
    if stored is not None and not is_history(spec, stored.schema):
        raise ValueError(
            f"{dataset}: the stored table has columns {stored.schema.names}, not those of a {dataset} history "
            f"({spec.schema.names}); move {dataset}/ out of the lake to start a new history"
        )
    table, changes = merge_history(spec, stored, snapshot, refreshed_at)
    if changes.missing:
        context.log.warning(
            f"{len(changes.missing)} entities of {dataset} are missing from Genesys' listing (kept unchanged): "
            f"{', '.join(changes.missing[:FIRST_CHANGES])}"
        )
    return dg.Output(
        table,
        metadata={
            "versions": table.num_rows,
            **{f"current_{state}": count for state, count in state_counts(table).items()},
            "new": len(changes.new),
            "changed": len(changes.changed),
            "deleted_since_last_refresh": len(changes.deleted_as_missing),
            "missing_from_listing": len(changes.missing),
            "changes": dg.MetadataValue.md(
                "\n".join(f"- {line}" for line in changes.descriptions[:FIRST_CHANGES]) or "_No change._"
            ),
            "preview": dg.MetadataValue.md(table_preview_markdown(current_versions(table), preview_columns)),
            **(extra_metadata or {}),
        },
    )


def _history_asset(name: str, spec: HistorySpec, description: str) -> Callable:
    return dg.asset(
        name=name,
        pool="genesys_api",
        group_name=GROUP_NAME,
        owners=OWNERS,
        kinds={"genesys", "parquet"},
        metadata={"dagster/column_schema": column_schema(spec.schema)},
        description=description,
    )


@_history_asset(
    QUEUES_DATASET,
    QUEUE_HISTORY,
    "Routing queue history (type-2): one row per version of each queue (name, division, description), "
    "deleted queues kept, valid_from/valid_to, so queue_id resolves as of any time.",
)
def genesys_queues(
    context: dg.AssetExecutionContext, genesys: GenesysCloudResource, io_manager: dg.ResourceParam[LakeIOManager]
) -> dg.Output[pa.Table]:
    def fetch() -> pa.Table:
        with genesys.get_client() as client:
            return queue_snapshot(client.list_queues())

    return refreshed_history(context, io_manager, QUEUE_HISTORY, fetch, ["queue_id", "name", "division_id", "state"])


class UsersConfig(dg.Config):
    """Run config of genesys_users."""

    personal_data: str = Field(
        default=PersonalData.OMIT.value,
        description=(
            "What to store of each user's name and e-mail address: 'omit' (default: null columns), "
            "'keep' (as Genesys has them) or 'hash' (SHA-256 of the trimmed, lower-cased value)."
        ),
    )


@_history_asset(
    USERS_DATASET,
    USER_HISTORY,
    "User history (type-2): one row per version of each user (division, department, title, manager, state), "
    "inactive and deleted users kept; name and e-mail only when run config personal_data says so.",
)
def genesys_users(
    context: dg.AssetExecutionContext,
    config: UsersConfig,
    genesys: GenesysCloudResource,
    io_manager: dg.ResourceParam[LakeIOManager],
) -> dg.Output[pa.Table]:
    choices = [choice.value for choice in PersonalData]
    if config.personal_data not in choices:
        raise dg.Failure(
            f"genesys_users: run config personal_data must be one of {choices}, got {config.personal_data!r}"
        )
    personal_data = PersonalData(config.personal_data)

    def fetch() -> pa.Table:
        with genesys.get_client() as client:
            return user_snapshot(client.list_users(), personal_data)

    preview_columns = ["user_id", "division_id", "department", "title", "state"]
    return refreshed_history(
        context, io_manager, USER_HISTORY, fetch, preview_columns, {"personal_data": personal_data.value}
    )


@_history_asset(
    DIVISIONS_DATASET,
    DIVISION_HISTORY,
    "Division history (type-2): one row per version of each division (name, description, home division), "
    "deleted divisions kept, valid_from/valid_to.",
)
def genesys_divisions(
    context: dg.AssetExecutionContext, genesys: GenesysCloudResource, io_manager: dg.ResourceParam[LakeIOManager]
) -> dg.Output[pa.Table]:
    def fetch() -> pa.Table:
        with genesys.get_client() as client:
            return division_snapshot(client.list_divisions(), client.list_deleted_divisions())

    return refreshed_history(
        context, io_manager, DIVISION_HISTORY, fetch, ["division_id", "name", "home_division", "state"]
    )


class QueueWrapupCodesConfig(dg.Config):
    """Run config of queue_wrapup_codes."""

    allow_late_snapshot: bool = Field(
        default=False,
        description=(
            "Genesys serves only the current mapping, so a day is refused once it ended more than 30 hours "
            "before the run; true stores the current mapping under that day anyway (rows carry snapshot_at)."
        ),
    )


def offered_codes(client: GenesysClient) -> dict[str, list[dict]]:
    """Queue id -> the codes it offers now, for every listed queue."""
    return {queue["id"]: client.list_queue_wrapup_codes(queue["id"]) for queue in client.list_queues()}


@dg.asset(
    name=QUEUE_WRAPUP_CODES_DATASET,
    partitions_def=daily_partitions,
    pool="genesys_api",
    group_name=GROUP_NAME,
    owners=OWNERS,
    kinds={"genesys", "parquet"},
    metadata={"dagster/column_schema": column_schema(QUEUE_WRAPUP_CODES_SCHEMA)},
    description=(
        "Which wrap-up codes each queue offers, snapshotted once a day (Genesys keeps no history of it), "
        "so 'codes available but never used' can be asked."
    ),
)
def queue_wrapup_codes(
    context: dg.AssetExecutionContext,
    config: QueueWrapupCodesConfig,
    genesys: GenesysCloudResource,
) -> dg.Output[pa.Table]:
    _, day_end = utc_window(context)
    now = datetime.now(UTC)
    if now - day_end > MAX_SNAPSHOT_DELAY and not config.allow_late_snapshot:
        raise dg.Failure(
            f"queue_wrapup_codes {context.partition_key}: Genesys serves only the current queue/code mapping, and "
            f"that day ended {now - day_end} ago, so a snapshot taken now would not describe it. Snapshot each day "
            "within 30 hours of its end (the queue_wrapup_codes schedule does), or set run config "
            "allow_late_snapshot: true to store the current mapping under that day (rows carry snapshot_at)."
        )
    with genesys.get_client() as client:
        offers = offered_codes(client)
    table = queue_wrapup_codes_table(offers, now)
    return dg.Output(
        table,
        metadata={
            "queues": len(offers),
            "snapshot_at": now.isoformat(),
            "preview": dg.MetadataValue.md(
                table_preview_markdown(table, ["queue_id", "wrap_up_code_id", "wrap_up_code_name"])
            ),
        },
    )
