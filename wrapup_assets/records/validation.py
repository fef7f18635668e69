"""Pure checks of a records table against the contract; the Dagster asset checks only wrap them.

Types are compared in Arrow first (exact, and a mismatch names the column); the row-level rules then
run through pandera's polars backend, which reads the Arrow table zero-copy.

pandera and polars (~0.2 s and ~40 MiB to import) are imported by the functions that run the row
rules, so the modules that only need ``CheckOutcome`` (quarantine, and through it the flattener;
freshness; reconciliation) do not load them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from wrapup_assets.records.schema import RECORD_KEY, RECORD_SCHEMA, SCHEMA_VERSION

if TYPE_CHECKING:
    import pandera.polars as pa_pl
    import polars as pl

MetadataValue = str | int | float | bool | None

FIRST_FAILING_IDS = 5
FIRST_DUPLICATES = 10


@dataclass(frozen=True)
class CheckOutcome:
    """A check's verdict in plain types, so it maps one-to-one onto an AssetCheckResult."""

    passed: bool
    description: str
    metadata: dict[str, MetadataValue] = field(default_factory=dict)


def _polars_dtype(arrow_type: pa.DataType) -> pl.DataType:
    import polars as pl

    if pa.types.is_dictionary(arrow_type):
        return pl.Categorical()
    if pa.types.is_timestamp(arrow_type):
        return pl.Datetime(arrow_type.unit, arrow_type.tz)
    return pl.from_arrow(pa.array([], arrow_type)).dtype


def record_dataframe_schema(window_start: datetime, window_end: datetime) -> pa_pl.DataFrameSchema:
    """The row-level contract for one partition window, as a pandera polars schema."""
    import pandera.polars as pa_pl
    import polars as pl

    column_checks: dict[str, list[pa_pl.Check]] = {
        "interaction_timestamp": [pa_pl.Check.in_range(window_start, window_end, include_max=False)],
        "handle_ms": [pa_pl.Check.ge(0)],
        "acw_ms": [pa_pl.Check.ge(0)],
        "schema_version": [pa_pl.Check.isin([SCHEMA_VERSION])],
    }
    columns = {
        record_field.name: pa_pl.Column(
            _polars_dtype(record_field.type),
            checks=column_checks.get(record_field.name, []),
            nullable=record_field.nullable,
        )
        for record_field in RECORD_SCHEMA
    }
    conversation_end_not_before_start = pa_pl.Check(
        lambda data: data.lazyframe.select(
            (pl.col("conversation_end") >= pl.col("interaction_timestamp")).fill_null(True)
        ),
        name="conversation_end_not_before_start",
    )
    return pa_pl.DataFrameSchema(
        columns, checks=[conversation_end_not_before_start], strict=True, name="wrapup_records"
    )


def _type_mismatches(table: pa.Table) -> list[str]:
    """Column-by-column differences from RECORD_SCHEMA (names, order, Arrow types; not nullability,
    which the row-level check verifies on the data itself)."""
    mismatches = []
    expected_names = RECORD_SCHEMA.names
    found_names = table.schema.names
    missing = [name for name in expected_names if name not in found_names]
    unexpected = [name for name in found_names if name not in expected_names]
    mismatches += [f"{name}: missing (expected {RECORD_SCHEMA.field(name).type})" for name in missing]
    mismatches += [f"{name}: unexpected column" for name in unexpected]
    for name in expected_names:
        if name in found_names and table.schema.field(name).type != RECORD_SCHEMA.field(name).type:
            mismatches.append(
                f"{name}: expected {RECORD_SCHEMA.field(name).type}, found {table.schema.field(name).type}"
            )
    if not mismatches and found_names != expected_names:
        mismatches.append(f"column order: expected {expected_names}, found {found_names}")
    return mismatches


def check_record_schema(table: pa.Table, window_start: datetime, window_end: datetime) -> CheckOutcome:
    """Bad rows must never reach the daily files: every contract rule, all failures reported at once."""
    mismatches = _type_mismatches(table)
    if mismatches:
        return CheckOutcome(
            passed=False,
            description=f"{len(mismatches)} column(s) do not match the record schema: " + "; ".join(mismatches),
            metadata={"mismatched_columns": "; ".join(mismatches), "mismatch_count": len(mismatches)},
        )
    import pandera.errors
    import polars as pl

    try:
        record_dataframe_schema(window_start, window_end).validate(pl.from_arrow(table), lazy=True)
    except pandera.errors.SchemaErrors as errors:
        return _row_failures(table, errors.failure_cases)
    return CheckOutcome(
        passed=True,
        description=f"{table.num_rows} rows match record schema version {SCHEMA_VERSION}",
        metadata={"rows": table.num_rows, "schema_version": SCHEMA_VERSION},
    )


def _row_failures(table: pa.Table, failure_cases: pl.DataFrame) -> CheckOutcome:
    # Table-wide checks report the schema name ("wrapup_records") as their column.
    per_check = failure_cases.group_by("column", "check", maintain_order=True).len()
    failing_checks = "; ".join(
        f"{row['column']}/{row['check']}: {row['len']}" for row in per_check.iter_rows(named=True)
    )
    failing_rows = failure_cases["index"].drop_nulls().unique().sort()
    first_rows = pa.array(failing_rows.head(FIRST_FAILING_IDS).to_list(), pa.int64())
    first_ids = table["interaction_id"].take(first_rows).to_pylist()
    return CheckOutcome(
        passed=False,
        description=f"{failing_rows.len()} of {table.num_rows} rows break the record contract: {failing_checks}",
        metadata={
            "failures": failure_cases.height,
            "failing_rows": failing_rows.len(),
            "failing_checks": failing_checks,
            "first_failing_interaction_ids": ", ".join(first_ids),
        },
    )


def check_key_unique(table: pa.Table) -> CheckOutcome:
    """A key seen twice means dedup failed and a daily total would double-count a session."""
    key_counts = (
        table.select(list(RECORD_KEY)).group_by(list(RECORD_KEY), use_threads=False).aggregate([([], "count_all")])
    )
    duplicates = key_counts.filter(pc.greater(key_counts["count_all"], 1))
    first = duplicates.slice(0, FIRST_DUPLICATES)
    first_duplicates = ", ".join(
        f"{interaction_id}/{session_id}"
        for interaction_id, session_id in zip(
            first["interaction_id"].to_pylist(), first["session_id"].to_pylist(), strict=True
        )
    )
    if duplicates.num_rows:
        description = (
            f"{duplicates.num_rows} keys (interaction_id, session_id) occur more than once: {first_duplicates}"
        )
    else:
        description = f"all {table.num_rows} keys (interaction_id, session_id) are unique"
    return CheckOutcome(
        passed=duplicates.num_rows == 0,
        description=description,
        metadata={"duplicate_keys": duplicates.num_rows, "first_duplicates": first_duplicates},
    )


def check_partition_schemas(tables: Mapping[str, pa.Table]) -> CheckOutcome | None:
    """Failed outcome naming each partition whose columns differ from the contract; None when all match.

    Run before partitions are concatenated: Arrow refuses to concatenate differing schemas, and the
    refusal would name neither the partition nor the column.
    """
    mismatched = {key: problems for key, table in tables.items() if (problems := _type_mismatches(table))}
    if not mismatched:
        return None
    described = "; ".join(f"{key}: {', '.join(problems)}" for key, problems in mismatched.items())
    return CheckOutcome(
        passed=False,
        description=f"{len(mismatched)} partition(s) do not match the record schema: {described}",
        metadata={
            "mismatched_partitions": ", ".join(mismatched),
            "mismatched_columns": described,
            "mismatch_count": sum(len(problems) for problems in mismatched.values()),
        },
    )


def key_columns(tables: Mapping[str, pa.Table]) -> pa.Table:
    """The key columns of every partition as strings, so key uniqueness is still checked across
    partitions whose other columns drifted (a partition without usable key columns is left out:
    the schema check names it)."""
    key_schema = pa.schema([(column, pa.string()) for column in RECORD_KEY])
    keys = []
    for table in tables.values():
        try:
            keys.append(table.select(list(RECORD_KEY)).cast(key_schema))
        except (KeyError, pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
    return pa.concat_tables(keys) if keys else key_schema.empty_table()
