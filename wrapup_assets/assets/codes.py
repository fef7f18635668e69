"""`wrapup_codes`: the wrap-up code catalog, active and deleted codes, as of the materialization.

Historical records reference deleted codes, so the catalog is read with both states and each code
carries its state; nothing is ever validated against today's catalog.
"""

from datetime import UTC, datetime

import dagster as dg
import pyarrow as pa

from wrapup_assets.assets.metadata import GROUP_NAME, OWNERS, column_schema
from wrapup_assets.genesys.resource import GenesysCloudResource

CODES_SCHEMA = pa.schema(
    [
        pa.field("wrap_up_code_id", pa.string(), nullable=False, metadata={"description": "Genesys wrap-up code id"}),
        pa.field("name", pa.string(), metadata={"description": "The code's name in the catalog"}),
        pa.field(
            "state",
            pa.dictionary(pa.int32(), pa.string()),
            nullable=False,
            metadata={"description": "active or deleted"},
        ),
        pa.field(
            "division_id", pa.dictionary(pa.int32(), pa.string()), metadata={"description": "Division of the code"}
        ),
        pa.field("division_name", pa.dictionary(pa.int32(), pa.string()), metadata={"description": "Division name"}),
        pa.field("description", pa.string(), metadata={"description": "The code's description"}),
        pa.field("date_created", pa.timestamp("us", tz="UTC"), metadata={"description": "When the code was created"}),
        pa.field("date_modified", pa.timestamp("us", tz="UTC"), metadata={"description": "Last change in Genesys"}),
        pa.field(
            "snapshot_at",
            pa.timestamp("us", tz="UTC"),
            nullable=False,
            metadata={"description": "When this catalog was read"},
        ),
    ]
)


def _timestamp(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def catalog_table(active: list[dict], deleted: list[dict], snapshot_at: datetime) -> pa.Table:
    """The catalog as a table: one row per code, sorted by id, state from the listing it came from."""
    deleted_ids = {entity["id"] for entity in deleted} - {entity["id"] for entity in active}
    entities = sorted(
        [(entity, "active") for entity in active] + [(e, "deleted") for e in deleted if e["id"] in deleted_ids],
        key=lambda pair: pair[0]["id"],
    )
    rows = [
        {
            "wrap_up_code_id": entity["id"],
            "name": entity.get("name"),
            "state": state,
            "division_id": (entity.get("division") or {}).get("id"),
            "division_name": (entity.get("division") or {}).get("name"),
            "description": entity.get("description"),
            "date_created": _timestamp(entity.get("dateCreated")),
            "date_modified": _timestamp(entity.get("dateModified")),
            "snapshot_at": snapshot_at,
        }
        for entity, state in entities
    ]
    return pa.Table.from_pylist(rows, schema=CODES_SCHEMA)


@dg.asset(
    pool="genesys_api",
    group_name=GROUP_NAME,
    owners=OWNERS,
    kinds={"genesys", "parquet"},
    metadata={"dagster/column_schema": column_schema(CODES_SCHEMA)},
    description="The wrap-up code catalog (active and deleted codes) with names, divisions and state.",
)
def wrapup_codes(context: dg.AssetExecutionContext, genesys: GenesysCloudResource) -> dg.Output[pa.Table]:
    with genesys.get_client() as client:
        active = client.list_wrapup_codes("Active")
        deleted = client.list_wrapup_codes("Deleted")
    table = catalog_table(active, deleted, datetime.now(UTC))
    context.log.info(f"Catalog: {len(active)} active and {table.num_rows - len(active)} deleted wrap-up codes")
    return dg.Output(table, metadata={"active_codes": len(active), "deleted_codes": table.num_rows - len(active)})
