"""`wrapup_records`: one typed row per agent session of each completed conversation of the hour.

Built from the hour's raw partition alone (no Genesys call), so a replay after a contract change
gives the same rows as the live export did. The schema and key checks run before the output is
handed to the IO manager: a failing hour is recorded as failed and nothing is published.
"""

import dagster as dg

from wrapup_assets.assets.catalog_snapshot import CATALOG_SNAPSHOT_NAME, code_labels_from_snapshot
from wrapup_assets.assets.metadata import (
    GROUP_NAME,
    OWNERS,
    column_schema,
    time_range_metadata,
    top_wrap_up_codes_markdown,
)
from wrapup_assets.checks import record_check_specs, validated_records
from wrapup_assets.lake.payloads import RawPagesPartition
from wrapup_assets.partitions import hourly_partitions, utc_window
from wrapup_assets.records.flatten import RecordsBuilder
from wrapup_assets.records.schema import RECORD_SCHEMA, SCHEMA_VERSION


@dg.asset(
    partitions_def=hourly_partitions,
    check_specs=record_check_specs("wrapup_records", hourly_partitions),
    group_name=GROUP_NAME,
    owners=OWNERS,
    kinds={"parquet"},
    metadata={"dagster/column_schema": column_schema(RECORD_SCHEMA), "schema_version": SCHEMA_VERSION},
    description=(
        "Record contract v1: one row per agent session of each completed conversation that started "
        "in the UTC hour, key (interaction_id, session_id), wrap-up labels as of export."
    ),
)
def wrapup_records(context: dg.AssetExecutionContext, raw_conversation_pages: RawPagesPartition):
    start, end = utc_window(context)
    snapshot = raw_conversation_pages.read_sidecar(CATALOG_SNAPSHOT_NAME)
    if snapshot is None:
        context.log.warning(
            f"The raw partition {context.partition_key} has no {CATALOG_SNAPSHOT_NAME}: wrap-up labels will be null"
        )
    builder = RecordsBuilder(start, end, code_labels_from_snapshot(snapshot) if snapshot else {})
    for page_json in raw_conversation_pages.iter_pages():
        builder.add_page(page_json)
    table = builder.finish()
    stats = builder.stats
    if stats.conversations_malformed:
        context.log.warning(
            f"{stats.conversations_malformed} malformed conversations skipped in {context.partition_key}: "
            + "; ".join(stats.malformed_reasons)
        )

    yield from validated_records(context, table)
    yield dg.Output(
        table,
        metadata={
            "pages": stats.pages,
            "conversations_seen": stats.conversations_seen,
            "conversations_outside_hour": stats.conversations_outside_window,
            "conversations_open": stats.conversations_open,
            "conversations_without_agent": stats.conversations_without_agent_session,
            "conversations_malformed": stats.conversations_malformed,
            "duplicate_rows_dropped": stats.duplicate_rows_dropped,
            "top_wrap_up_codes": dg.MetadataValue.md(top_wrap_up_codes_markdown(table)),
            **time_range_metadata(table),
        },
    )
