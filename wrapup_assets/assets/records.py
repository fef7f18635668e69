"""`wrapup_records`: one typed row per agent session of each completed conversation of the hour,
and `wrapup_records_quarantine`: the hour's conversations that could not become rows, with why.

Built from the hour's raw partition alone (no Genesys call; read through the `Lake`), so a replay
after a contract change gives the same rows as the live export did. The schema, key and quarantine
checks run on the hour as spooled, before anything is published: a failing hour is recorded as
failed and nothing of it is published; a passing hour is published, then its check results are
recorded, attached to that materialization. A run over a range of hours (a backfill,
`assets.range_runs`) builds, checks and publishes the hours one after another, records each hour's
materialization and checks itself, keeps the hours that passed and fails at the end naming those
that did not. The quarantine is its own dataset, written even when empty, so re-materializing an hour
that no longer has malformed conversations also replaces its quarantine. Both come from one pass
over the raw pages; the hourly job selects both, and a selection that names only `wrapup_records`
(e.g. `dagster asset materialize --select raw_conversation_pages,wrapup_records`) still works and
leaves the quarantine as it was.
"""

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
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
from wrapup_assets.assets.range_runs import (
    PartitionOutcome,
    hourly_backfill_policy,
    is_range_run,
    record_check_results,
    record_partitions,
)
from wrapup_assets.checks import (
    RECONCILIATION_CHECK,
    ChecksFailed,
    hour_check_results,
    published_then_checked,
    quarantine_check_spec,
    reconciliation_result,
    record_check_specs,
)
from wrapup_assets.genesys.errors import GenesysApiError
from wrapup_assets.genesys.resource import GenesysCloudResource
from wrapup_assets.lake.io_manager import LakeIOManager, published_partition_metadata
from wrapup_assets.lake.lake import Lake
from wrapup_assets.partitions import hour_start, hourly_partitions
from wrapup_assets.records.batch_checks import BatchChecks
from wrapup_assets.records.hour_spool import SpooledRecords, spool_records
from wrapup_assets.records.quarantine import (
    DEFAULT_MAX_QUARANTINED_FRACTION,
    FIRST_QUARANTINED,
    QUARANTINE_SCHEMA,
    quarantine_table,
)
from wrapup_assets.records.reconciliation import RECONCILED_COLUMNS, hourly_responses
from wrapup_assets.records.schema import RECORD_SCHEMA, SCHEMA_VERSION

RECORDS_ASSET = "wrapup_records"
QUARANTINE_ASSET = "wrapup_records_quarantine"
RAW_PAGES_ASSET = "raw_conversation_pages"
MAX_UNKNOWN_FIELDS_LISTED = 20
FIRST_FAILED_HOURS = 5


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
    backfill_policy=hourly_backfill_policy,
    deps=[dg.AssetKey(RAW_PAGES_ASSET)],
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
def wrapup_records(
    context: dg.AssetExecutionContext,
    config: RecordsConfig,
    genesys: GenesysCloudResource,
    io_manager: dg.ResourceParam[LakeIOManager],
):
    lake = io_manager.lake()
    selected = {key.to_user_string() for key in context.selected_asset_keys}
    with tempfile.TemporaryDirectory(prefix="wrapup-records-") as spool_dir:
        spool_path = Path(spool_dir) / "records.arrows"
        if not is_range_run(context):
            (key,) = context.partition_keys
            hour = _build_hour(context, lake, key, spool_path, config, checked=RECORDS_ASSET in selected)
            outputs = []
            if RECORDS_ASSET in selected:
                outputs.append(dg.Output(hour.spooled.reader(), output_name=RECORDS_ASSET, metadata=hour.metadata))
            if QUARANTINE_ASSET in selected:
                outputs.append(dg.Output(hour.quarantine, output_name=QUARANTINE_ASSET))
            if hour.failed_checks:
                # The run fails, so the reconciliation check's own step will not run: record its
                # verdict on the rows that were not published rather than leave it "execution failed".
                responses = _aggregates_by_hour(context, genesys, [key])
                if responses is not None:
                    reconciled = _reconciliation(hour, responses)
                    unpublished = dg.AssetCheckResult(
                        check_name=reconciled.check_name,
                        passed=reconciled.passed,
                        severity=reconciled.severity,
                        metadata=reconciled.metadata,
                        description=f"On the hour's rows as built, not published: {reconciled.description}",
                    )
                    record_check_results(context, dg.AssetKey(RECORDS_ASSET), key, [unpublished])
            yield from published_then_checked(key, hour.results, outputs)
            return
        # The reconciliation check's own step does not run after a range run (no output is yielded):
        # each hour is reconciled here, against one aggregates query for the whole range.
        responses = _aggregates_by_hour(context, genesys, context.partition_keys)
        failed = []
        outcomes: list[PartitionOutcome] = []
        try:
            for key in context.partition_keys:
                hour = _build_hour(context, lake, key, spool_path, config, checked=True)
                reconciled = [_reconciliation(hour, responses)] if responses is not None else []
                outcomes += _publish_in_range_run(context, lake, hour, selected, reconciled)
                if hour.failed_checks:
                    failed.append(hour)
        finally:
            record_partitions(context, outcomes)
    if failed:
        named = "; ".join(f"{hour.key} ({', '.join(hour.failed_checks)})" for hour in failed[:FIRST_FAILED_HOURS])
        more = f" and {len(failed) - FIRST_FAILED_HOURS} more" if len(failed) > FIRST_FAILED_HOURS else ""
        raise ChecksFailed(
            description=(
                f"{len(failed)} of {len(context.partition_keys)} hours not published, their checks failed: "
                f"{named}{more}. The other hours are published; re-running the backfill redoes only the failed ones."
            ),
            metadata={"failed_hours": ", ".join(hour.key for hour in failed)},
        )


@dataclass
class _BuiltHour:
    """An hour's records spooled and checked, not yet published."""

    key: str
    spooled: SpooledRecords
    quarantine: pa.Table
    results: list[dg.AssetCheckResult]
    metadata: dict[str, object]

    @property
    def failed_checks(self) -> list[str]:
        return [result.check_name for result in self.results if not result.passed]


def _build_hour(
    context: dg.AssetExecutionContext, lake: Lake, key: str, spool_path: Path, config: RecordsConfig, *, checked: bool
) -> _BuiltHour:
    """The hour's records from its published raw pages, spooled to `spool_path`, and (when
    `checked`) the blocking check results and the UI metadata."""
    start = hour_start(key)
    end = start + timedelta(hours=1)
    raw = lake.published(lake.hour(RAW_PAGES_ASSET, start))
    snapshot = lake.sidecar(raw, CATALOG_SNAPSHOT_NAME)
    if snapshot is None:
        context.log.warning(f"The raw partition {key} has no {CATALOG_SNAPSHOT_NAME}: wrap-up labels will be null")
    labels = code_labels_from_snapshot(snapshot) if snapshot else {}
    spooled, builder = spool_records(
        lambda: lake.pages(raw), start, end, labels, spool_path, workers=config.page_workers
    )
    stats = builder.stats
    if builder.quarantine:
        context.log.warning(
            f"{len(builder.quarantine)} malformed conversations quarantined in {key}: "
            + "; ".join(item.describe() for item in builder.quarantine[:FIRST_QUARANTINED])
        )
    if stats.unknown_fields:
        context.log.info(f"Fields Genesys does not document (ignored): {', '.join(sorted(stats.unknown_fields))}")
    hour = _BuiltHour(key, spooled, quarantine_table(builder.quarantine), [], {})
    if not checked:
        return hour
    checks = BatchChecks(start, end)
    for batch in spooled.batches():
        checks.add(pa.Table.from_batches([batch]), key)
    hour.results = hour_check_results(
        checks,
        lambda: _key_tables(key, spooled),
        builder.quarantine,
        stats.conversations_seen,
        config.max_quarantined_fraction,
    )
    hour.metadata = {
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
    }
    return hour


def _key_tables(key: str, spooled: SpooledRecords) -> Iterator[tuple[str, pa.Table]]:
    return ((key, pa.Table.from_batches([batch])) for batch in spooled.batches())


def _aggregates_by_hour(
    context: dg.AssetExecutionContext, genesys: GenesysCloudResource, keys: list[str]
) -> dict[datetime, dict] | None:
    """The Genesys aggregates of the hours, one response per hour start, from one query; None (and
    a warning: the reconciliation is a warning, it never blocks) when Genesys does not answer."""
    start = hour_start(keys[0])
    end = hour_start(keys[-1]) + timedelta(hours=1)
    try:
        with genesys.get_client() as client:
            return hourly_responses(client.aggregate_wrapup_codes(start, end))
    except GenesysApiError as error:
        context.log.warning(f"{RECONCILIATION_CHECK} not evaluated for {keys[0]}..{keys[-1]}: {error}")
        return None


def _reconciliation(hour: _BuiltHour, responses: dict[datetime, dict]) -> dg.AssetCheckResult:
    """The hour's rows (the two columns counted) against its aggregates."""
    batches = (pa.Table.from_batches([batch]).select(RECONCILED_COLUMNS) for batch in hour.spooled.batches())
    rows = pa.concat_tables(batches) if hour.spooled.rows else RECORD_SCHEMA.empty_table()
    return reconciliation_result(rows, responses.get(hour_start(hour.key), {}))


def _publish_in_range_run(
    context: dg.AssetExecutionContext,
    lake: Lake,
    hour: _BuiltHour,
    selected: set[str],
    warnings: list[dg.AssetCheckResult],
) -> list[PartitionOutcome]:
    """Publish a checked hour of a range run; what to record about it: its materializations and
    check results (with `warnings`, non-blocking results), or only the results of an hour that did
    not pass."""
    records_key = dg.AssetKey(RECORDS_ASSET)
    if hour.failed_checks:
        context.log.error(f"{hour.key} not published: {', '.join(hour.failed_checks)} failed")
        return [PartitionOutcome(records_key, hour.key, None, [*hour.results, *warnings])]
    start = hour_start(hour.key)
    outcomes = []
    if RECORDS_ASSET in selected:
        partition = lake.hour(RECORDS_ASSET, start)
        manifest = lake.write_records(partition, hour.spooled.reader(), SCHEMA_VERSION)
        metadata = {
            **published_partition_metadata(lake, partition, manifest),
            "dagster/row_count": manifest.total_rows,
            **hour.metadata,
        }
        outcomes.append(PartitionOutcome(records_key, hour.key, metadata, [*hour.results, *warnings]))
    if QUARANTINE_ASSET in selected:
        partition = lake.hour(QUARANTINE_ASSET, start)
        manifest = lake.write_records(partition, hour.quarantine, None)
        metadata = {**published_partition_metadata(lake, partition, manifest), "dagster/row_count": manifest.total_rows}
        outcomes.append(PartitionOutcome(dg.AssetKey(QUARANTINE_ASSET), hour.key, metadata))
    return outcomes
