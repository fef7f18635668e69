"""The wrap-up mart: a UTC day of `wrapup_daily` aggregated per (code, queue, media type, direction),
named as of the day's start from the histories (codes, queues, divisions). Computed by DuckDB.

Grain: one row per `(utc_date, wrap_up_code_id, queue_id, media_type, direction)`; a null code,
queue or direction is a group of its own (SQL's GROUP BY keeps NULL as one value). Averages and
percentiles are over the non-null values of the group (null when there are none); percentiles are
the nearest-rank value (the ceil(p * n)-th smallest), which is what DuckDB's `quantile_disc`
returns (pinned by a test). Names: the version with `valid_from <= day start < valid_to` (a null
`valid_to` is open), the queue's division as of the same instant.

Memory: DuckDB reads the day's Parquet files itself (only the columns it needs) and keeps its
states under `memory_limit`, spilling to a temporary directory: ~620 MiB peak for the whole
process at 2.4M and at 6M rows (bench/summary.py). An S3 lake is read through a pyarrow scan instead
(DuckDB's httpfs cannot be installed offline), whose buffers DuckDB does not count: more memory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from wrapup_assets.records.scd import LABEL, described_field
from wrapup_assets.records.validation import CheckOutcome

SUMMARY_KEY = ("utc_date", "wrap_up_code_id", "queue_id", "media_type", "direction")
DEFAULT_MEMORY_LIMIT = "512MB"
FIRST_PROBLEMS = 5
_MEASURED = {"handle_ms": "handle time", "acw_ms": "after-call work"}


def _measure_fields(column: str) -> list[pa.Field]:
    what = _MEASURED[column]
    return [
        described_field(
            f"{column}_sum", pa.int64(), True, f"Sum of the sessions' {what} (ms); null when none has one."
        ),
        described_field(f"{column}_avg", pa.float64(), True, f"Mean {what} (ms) over the sessions that have one."),
        described_field(f"{column}_p50", pa.int64(), True, f"Median {what} (ms), nearest rank, non-null values."),
        described_field(f"{column}_p90", pa.int64(), True, f"90th percentile of {what} (ms), nearest rank."),
    ]


SUMMARY_SCHEMA = pa.schema(
    [
        described_field("utc_date", pa.date32(), False, "The UTC day (the partition)."),
        described_field("wrap_up_code_id", LABEL, True, "Wrap-up code id or ININ-… literal; null: no code."),
        described_field("queue_id", LABEL, True, "Queue id; null: no queue."),
        described_field("media_type", LABEL, False, "Session media type."),
        described_field("direction", LABEL, True, "Session direction."),
        described_field("sessions", pa.int64(), False, "Agent sessions (wrapup_daily rows) in the group."),
        described_field("conversations", pa.int64(), False, "Distinct interaction ids in the group."),
        *_measure_fields("handle_ms"),
        *_measure_fields("acw_ms"),
        described_field("wrap_up_code_label", LABEL, True, "The code's name as of the day's start (wrapup_codes)."),
        described_field("queue_name", LABEL, True, "The queue's name as of the day's start (genesys_queues)."),
        described_field("division_id", LABEL, True, "The queue's division as of the day's start."),
        described_field(
            "division_name", LABEL, True, "That division's name as of the day's start (genesys_divisions)."
        ),
    ]
)
DAILY_COLUMNS = ["interaction_id", "wrap_up_code_id", "queue_id", "media_type", "direction", "handle_ms", "acw_ms"]

_SUMMARY_SQL = """
WITH grouped AS (
    SELECT
        wrap_up_code_id::VARCHAR AS wrap_up_code_id,
        queue_id::VARCHAR AS queue_id,
        media_type::VARCHAR AS media_type,
        direction::VARCHAR AS direction,
        count(*) AS sessions,
        count(DISTINCT interaction_id) AS conversations,
        sum(handle_ms)::BIGINT AS handle_ms_sum,
        avg(handle_ms) AS handle_ms_avg,
        quantile_disc(handle_ms, 0.5) AS handle_ms_p50,
        quantile_disc(handle_ms, 0.9) AS handle_ms_p90,
        sum(acw_ms)::BIGINT AS acw_ms_sum,
        avg(acw_ms) AS acw_ms_avg,
        quantile_disc(acw_ms, 0.5) AS acw_ms_p50,
        quantile_disc(acw_ms, 0.9) AS acw_ms_p90
    FROM day_rows
    GROUP BY ALL
)
SELECT
    $utc_date::DATE AS utc_date,
    g.*,
    c.name AS wrap_up_code_label,
    q.name AS queue_name,
    q.division_id::VARCHAR AS division_id,
    d.name AS division_name
FROM grouped AS g
LEFT JOIN codes AS c
    ON c.wrap_up_code_id = g.wrap_up_code_id AND c.valid_from <= $day_start
   AND ($day_start < c.valid_to OR c.valid_to IS NULL)
LEFT JOIN queues AS q
    ON q.queue_id = g.queue_id AND q.valid_from <= $day_start
   AND ($day_start < q.valid_to OR q.valid_to IS NULL)
LEFT JOIN divisions AS d
    ON d.division_id = q.division_id::VARCHAR AND d.valid_from <= $day_start
   AND ($day_start < d.valid_to OR d.valid_to IS NULL)
ORDER BY g.wrap_up_code_id NULLS FIRST, g.queue_id NULLS FIRST, g.media_type, g.direction NULLS FIRST
"""


@dataclass(frozen=True)
class Histories:
    """The three histories the mart names groups from (stored tables; empty when never refreshed)."""

    codes: pa.Table
    queues: pa.Table
    divisions: pa.Table


def summarize_day(
    day_files: Sequence[str],
    histories: Histories,
    day_start: datetime,
    filesystem: pafs.FileSystem | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
) -> pa.Table:
    """The mart's rows for the day that starts at `day_start` (SUMMARY_SCHEMA, sorted by the key),
    from the day's Parquet files: local paths (`filesystem` None or local) are read by DuckDB itself,
    which keeps to `memory_limit` and spills; others (S3) through a pyarrow scan of `filesystem`."""
    import duckdb

    with tempfile.TemporaryDirectory(prefix="wrapup-summary-") as spill, duckdb.connect() as connection:
        connection.execute(f"SET memory_limit = '{memory_limit}'")
        connection.execute("SET temp_directory = $path", {"path": spill})
        connection.execute("SET preserve_insertion_order = false")
        if filesystem is None or isinstance(filesystem, pafs.LocalFileSystem):
            columns = ", ".join(DAILY_COLUMNS)
            connection.execute(f"CREATE VIEW day_rows AS SELECT {columns} FROM read_parquet({_sql_list(day_files)})")
        else:
            dataset = ds.dataset(list(day_files), filesystem=filesystem, format="parquet")
            connection.register("day_rows", dataset.scanner(columns=DAILY_COLUMNS).to_reader())
        connection.register("codes", _strings(histories.codes))
        connection.register("queues", _strings(histories.queues))
        connection.register("divisions", _strings(histories.divisions))
        result = connection.sql(
            _SUMMARY_SQL, params={"utc_date": day_start.date(), "day_start": day_start}
        ).to_arrow_table()
    return _as_summary(result)


def _sql_list(paths: Sequence[str]) -> str:
    """Paths as a DuckDB list literal (quotes doubled)."""
    return "[" + ", ".join("'" + path.replace("'", "''") + "'" for path in paths) + "]"


def _strings(table: pa.Table) -> pa.Table:
    """Dictionary columns decoded, so DuckDB compares them as plain VARCHAR in the joins."""
    return pa.table(
        {
            name: pc.cast(column, column.type.value_type) if pa.types.is_dictionary(column.type) else column
            for name, column in zip(table.column_names, table.columns, strict=True)
        }
    )


def _as_summary(result: pa.Table) -> pa.Table:
    columns = []
    for field in SUMMARY_SCHEMA:
        column = result.column(field.name)
        if pa.types.is_dictionary(field.type):
            column = pc.dictionary_encode(pc.cast(column, pa.string()))
        columns.append(pc.cast(column, field.type))
    return pa.Table.from_arrays(columns, schema=SUMMARY_SCHEMA)


def check_keys_unique(summary: pa.Table) -> CheckOutcome:
    """Each (utc_date, code, queue, media type, direction) appears once; nulls compare equal."""
    counts = (
        summary.select(list(SUMMARY_KEY)).group_by(list(SUMMARY_KEY), use_threads=False).aggregate([([], "count_all")])
    )
    repeated = counts.filter(pc.greater(counts["count_all"], 1))
    if repeated.num_rows == 0:
        return CheckOutcome(True, f"{summary.num_rows} groups, each key once")
    first = [str(tuple(row[name] for name in SUMMARY_KEY)) for row in repeated.slice(0, FIRST_PROBLEMS).to_pylist()]
    return CheckOutcome(
        False,
        f"{repeated.num_rows} keys appear more than once, e.g. {first[0]}",
        {"repeated_keys": repeated.num_rows, "first_repeated_keys": "; ".join(first)},
    )


def check_sessions_match(summary: pa.Table, daily_rows: int) -> CheckOutcome:
    """Every wrapup_daily row of the day is counted in exactly one group."""
    sessions = pc.sum(summary["sessions"]).as_py() or 0
    metadata = {"sessions": sessions, "wrapup_daily_rows": daily_rows}
    if sessions == daily_rows:
        return CheckOutcome(True, f"sum(sessions) = {sessions} = the day's wrapup_daily rows", metadata)
    return CheckOutcome(
        False, f"sum(sessions) = {sessions}, but the day's wrapup_daily has {daily_rows} rows", metadata
    )


def check_summary_schema(summary: pa.Table, utc_date: date) -> CheckOutcome:
    """Columns, types and nullability as SUMMARY_SCHEMA, and every row of the partition's day."""
    problems = []
    if not summary.schema.equals(SUMMARY_SCHEMA, check_metadata=False):
        problems.append(f"schema {summary.schema.names} differs from {SUMMARY_SCHEMA.names}")
    else:
        for field in SUMMARY_SCHEMA:
            if not field.nullable and summary[field.name].null_count:
                problems.append(f"{field.name} has {summary[field.name].null_count} nulls")
        other_days = (
            summary.num_rows - pc.sum(pc.equal(summary["utc_date"], pa.scalar(utc_date))).as_py()
            if summary.num_rows
            else 0
        )
        if other_days:
            problems.append(f"{other_days} rows of another day than {utc_date}")
    if problems:
        return CheckOutcome(False, "; ".join(problems[:FIRST_PROBLEMS]), {"problems": len(problems)})
    return CheckOutcome(True, f"{summary.num_rows} rows match the summary schema")


def summary_markdown(summary: pa.Table, limit: int = 10) -> str:
    """The busiest groups as a markdown table, for the UI."""
    if summary.num_rows == 0:
        return "_No rows in this partition._"
    top = summary.sort_by([("sessions", "descending")]).slice(0, limit).to_pylist()
    lines = ["| code | queue | media | sessions | handle p50 (s) | acw p90 (s) |", "|---|---|---|---:|---:|---:|"]
    for row in top:
        lines.append(
            f"| {row['wrap_up_code_label'] or row['wrap_up_code_id'] or '_(none)_'} "
            f"| {row['queue_name'] or row['queue_id'] or '_(none)_'} | {row['media_type']} | {row['sessions']} "
            f"| {_seconds(row['handle_ms_p50'])} | {_seconds(row['acw_ms_p90'])} |"
        )
    return "\n".join(lines)


def _seconds(milliseconds: int | None) -> str:
    return "" if milliseconds is None else f"{milliseconds / 1000:.0f}"
