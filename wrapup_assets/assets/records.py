"""`wrapup_records`: one typed row per agent session of each completed conversation of the hour,
and `wrapup_records_quarantine`: the hour's conversations that could not become rows, with why.

Built from the hour's raw partition alone (no Genesys call), so a replay after a contract change
gives the same rows as the live export did. The schema, key and quarantine checks run before the
outputs are handed to the IO manager: a failing hour is recorded as failed and nothing is
published. The quarantine is its own dataset, written even when empty, so re-materializing an hour
that no longer has malformed conversations also replaces its quarantine. Both come from one pass
over the raw pages; the hourly job selects both, and a selection that names only `wrapup_records`
(e.g. `dagster asset materialize --select raw_conversation_pages,wrapup_records`) still works and
leaves the quarantine as it was.
"""

import tempfile
from pathlib import Path

import dagster as dg
import pyarrow as pa
from pydantic import Field

from wrapup_assets.assets.catalog_snapshot import CATALOG_SNAPSHOT_NAME, code_labels_from_snapshot
from wrapup_assets.assets.metadata import (
    GROUP_NAME,
    OWNERS,
    column_schema,
    top_wrap_up_codes_markdown,
)
from wrapup_assets.checks import hour_check_results, published_then_checked, quarantine_check_spec, record_check_specs
from wrapup_assets.lake.payloads import RawPagesPartition
from wrapup_assets.partitions import hourly_partitions, utc_window
from wrapup_assets.records.batch_checks import BatchChecks
from wrapup_assets.records.hour_spool import spool_records
from wrapup_assets.records.quarantine import (
    DEFAULT_MAX_QUARANTINED_FRACTION,
    FIRST_QUARANTINED,
    QUARANTINE_SCHEMA,
    quarantine_table,
)
from wrapup_assets.records.schema import RECORD_SCHEMA, SCHEMA_VERSION

RECORDS_ASSET = "wrapup_records"
QUARANTINE_ASSET = "wrapup_records_quarantine"
MAX_UNKNOWN_FIELDS_LISTED = 20


class RecordsConfig(dg.Config):
    """Run settings of the records build."""

    max_quarantined_fraction: float = DEFAULT_MAX_QUARANTINED_FRACTION
    """Share of the hour's conversations that may be quarantined before the hour fails (default 1%)."""

    page_workers: int = Field(default=1, ge=1)
    """Processes that flatten the pages of a large hour (more than 500 pages). 1 flattens in the
    step's process; 2 or more pay off for replays and backfills of busy hours on a worker with idle
    cores (~1.2x per extra core measured, ~76 MiB each; see bench/README.md), and cost time on a
    busy one."""


@dg.multi_asset(
    name=RECORDS_ASSET,
    partitions_def=hourly_partitions,
    outs={
        RECORDS_ASSET: dg.AssetOut(
            is_required=False,
            group_name=GROUP_NAME,
            owners=OWNERS,
            kinds={"parquet"},
            metadata={"dagster/column_schema": column_schema(RECORD_SCHEMA), "schema_version": SCHEMA_VERSION},
            description=(
                "Record contract v1: one row per agent session of each completed conversation that started "
                "in the UTC hour, key (interaction_id, session_id), wrap-up labels as of export."
            ),
        ),
        QUARANTINE_ASSET: dg.AssetOut(
            is_required=False,
            group_name=GROUP_NAME,
            owners=OWNERS,
            kinds={"parquet"},
            metadata={"dagster/column_schema": column_schema(QUARANTINE_SCHEMA)},
            description=(
                "Conversations of the UTC hour that could not become records (missing id or start, "
                "unparsable timestamp, ...), as read from the raw pages, with the reason."
            ),
        ),
    },
    check_specs=[*record_check_specs(RECORDS_ASSET, hourly_partitions), quarantine_check_spec(RECORDS_ASSET)],
    can_subset=True,
)
def wrapup_records(context: dg.AssetExecutionContext, config: RecordsConfig, raw_conversation_pages: RawPagesPartition):
    start, end = utc_window(context)
    snapshot = raw_conversation_pages.read_sidecar(CATALOG_SNAPSHOT_NAME)
    if snapshot is None:
        context.log.warning(
            f"The raw partition {context.partition_key} has no {CATALOG_SNAPSHOT_NAME}: wrap-up labels will be null"
        )
    labels = code_labels_from_snapshot(snapshot) if snapshot else {}
    with tempfile.TemporaryDirectory(prefix="wrapup-records-") as spool_dir:
        spooled, builder = spool_records(
            raw_conversation_pages.iter_pages,
            start,
            end,
            labels,
            Path(spool_dir) / "records.arrows",
            workers=config.page_workers,
        )
        stats = builder.stats
        if builder.quarantine:
            context.log.warning(
                f"{len(builder.quarantine)} malformed conversations quarantined in {context.partition_key}: "
                + "; ".join(item.describe() for item in builder.quarantine[:FIRST_QUARANTINED])
            )
        if stats.unknown_fields:
            context.log.info(f"Fields Genesys does not document (ignored): {', '.join(sorted(stats.unknown_fields))}")

        selected = {key.to_user_string() for key in context.selected_asset_keys}
        outputs: list[dg.Output] = []
        results: list[dg.AssetCheckResult] = []
        if RECORDS_ASSET in selected:
            checks = BatchChecks(start, end)
            for batch in spooled.batches():
                checks.add(pa.Table.from_batches([batch]), context.partition_key)
            results = hour_check_results(
                checks,
                lambda: ((context.partition_key, pa.Table.from_batches([batch])) for batch in spooled.batches()),
                builder.quarantine,
                stats.conversations_seen,
                config.max_quarantined_fraction,
            )
            outputs.append(
                dg.Output(
                    spooled.reader(),
                    output_name=RECORDS_ASSET,
                    metadata={
                        "pages": stats.pages,
                        "conversations_seen": stats.conversations_seen,
                        "conversations_outside_hour": stats.conversations_outside_window,
                        "conversations_open": stats.conversations_open,
                        "conversations_without_agent": stats.conversations_without_agent_session,
                        "conversations_quarantined": stats.conversations_malformed,
                        "duplicate_rows_dropped": stats.duplicate_rows_dropped,
                        "unknown_fields": len(stats.unknown_fields),
                        "unknown_field_names": ", ".join(sorted(stats.unknown_fields)[:MAX_UNKNOWN_FIELDS_LISTED]),
                        "top_wrap_up_codes": dg.MetadataValue.md(top_wrap_up_codes_markdown(checks.code_counts())),
                        **checks.time_range_metadata(),
                    },
                )
            )
        if QUARANTINE_ASSET in selected:
            outputs.append(dg.Output(quarantine_table(builder.quarantine), output_name=QUARANTINE_ASSET))
        yield from published_then_checked(context.partition_key, results, outputs)
