"""`wrapup_codes`: the wrap-up code catalog as a type-2 slowly changing dimension.

Historical records reference renamed and deleted codes, so the catalog is listed in both states
and every refresh extends the history read back from the lake (see records/codes_history.py):
a rename or a deletion closes the old version and opens a new one; nothing is ever validated
against today's catalog.
"""

from datetime import UTC, datetime

import dagster as dg
import pyarrow as pa

from wrapup_assets.assets.metadata import GROUP_NAME, OWNERS, column_schema
from wrapup_assets.genesys.resource import GenesysCloudResource
from wrapup_assets.lake.io_manager import LakeIOManager
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.records.codes_history import (
    CODE_HISTORY,
    CODE_HISTORY_SCHEMA,
    FIRST_CHANGES,
    catalog_codes,
    catalog_snapshot,
    is_code_history,
)
from wrapup_assets.records.scd import merge_history

CODES_DATASET = "wrapup_codes"


@dg.asset(
    pool="genesys_api",
    group_name=GROUP_NAME,
    owners=OWNERS,
    kinds={"genesys", "parquet"},
    metadata={"dagster/column_schema": column_schema(CODE_HISTORY_SCHEMA)},
    description=(
        "Wrap-up code history (type-2 SCD): one row per version of each code, active and deleted, "
        "valid_from/valid_to, so labels resolve as of any time."
    ),
)
def wrapup_codes(
    context: dg.AssetExecutionContext, genesys: GenesysCloudResource, io_manager: dg.ResourceParam[LakeIOManager]
) -> dg.Output[pa.Table]:
    with genesys.get_client() as client:
        active = client.list_wrapup_codes("Active")
        deleted = client.list_wrapup_codes("Deleted")
    refreshed_at = datetime.now(UTC)
    lake = io_manager.lake()
    published = lake.published_or_none(LakePartition.unpartitioned(CODES_DATASET))
    stored = lake.read_table(published) if published is not None else None
    if stored is not None and not is_code_history(stored.schema):
        context.log.warning("The stored wrapup_codes is a catalog snapshot, not a history: starting a new history")
        stored = None
    catalog = catalog_codes(active, deleted)
    table, changes = merge_history(CODE_HISTORY, stored, catalog_snapshot(catalog), refreshed_at)
    if changes.missing:
        context.log.warning(
            f"{len(changes.missing)} codes of the history are missing from both catalog listings "
            f"(kept unchanged): {', '.join(changes.missing[:FIRST_CHANGES])}"
        )
    current_states = [catalog[code_id].version.state for code_id in catalog]
    return dg.Output(
        table,
        metadata={
            "active_codes": current_states.count("active"),
            "deleted_codes": current_states.count("deleted"),
            "versions": table.num_rows,
            "new_codes": len(changes.new),
            "changed_codes": len(changes.changed),
            "codes_missing_from_catalog": len(changes.missing),
            "changes": dg.MetadataValue.md(
                "\n".join(f"- {line}" for line in changes.descriptions[:FIRST_CHANGES]) or "_No change._"
            ),
        },
    )
