"""A day's hourly records partitions compacted in two passes, with memory bounded by a few batches.

The daily file may only be published once every blocking check has passed, and the IO manager
publishes as soon as it has written the output, so the checks cannot run while the rows are
written. Pass one (`scan_day`) reads the hours batch by batch and keeps only what the checks and
the metadata need: 8-byte hashes of the keys (confirmed exactly by re-reading the key columns of
only the rows whose hashes collide, so a true duplicate is named by its key), the failing contract
outcomes (the row rules judged over many rows of consecutive hours per call: `BatchChecks`),
wrap-up code counts, and whether each hour is already in (interaction_timestamp, interaction_id,
session_id) order. Pass two (`DayRecords`) streams the hours again in that order: hours cover
disjoint time ranges, so the day's sorted order is the hours one after another, and only an hour
written out of order is sorted (as a whole hour). A day
whose hours overlap (rows of one hour that belong after the next hour's first row) can only come
from a faulty writer; it is sorted as a whole day, as the compaction did before it streamed.

In both passes a background thread reads the next batches (`read_ahead`) while the main thread
checks or encodes the current ones: Parquet decoding releases the GIL, so the two cores overlap.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl
import pyarrow as pa

from wrapup_assets.lake.lake import Lake, PublishedPartition
from wrapup_assets.records.batch_checks import BatchChecks
from wrapup_assets.records.read_ahead import read_ahead
from wrapup_assets.records.schema import RECORD_KEY, RECORD_SCHEMA, SORT_COLUMNS, SORT_ORDER
from wrapup_assets.records.validation import (
    CheckOutcome,
    check_partition_schemas,
)

READ_BATCH_ROWS = 32_768
"""Rows per batch read back: the Parquet reader decodes a row group page by page, so this, not the
row group size, bounds what one batch holds in memory."""
READ_AHEAD_BATCHES = 2
"""Batches a background thread reads ahead of the checks (pass one) or the Parquet encoder (pass two)."""

SortKey = tuple[datetime, str, str]


@dataclass(frozen=True)
class ScannedHour:
    hour: PublishedPartition
    in_sort_order: bool


@dataclass
class DayScan:
    """What pass one learned about the day: the two check outcomes and what pass two needs."""

    hours: list[ScannedHour]
    schema_outcome: CheckOutcome
    key_outcome: CheckOutcome
    rows: int
    hours_in_order: bool
    code_counts: pa.Table
    """Rows per (wrap_up_code_id, wrap_up_code_label) as strings, column `rows`."""
    time_range: dict[str, str]
    """First and last interaction_timestamp of the day, for the UI (empty without rows)."""

    @property
    def passed(self) -> bool:
        return self.schema_outcome.passed and self.key_outcome.passed


def _first_drifted_schema(schemas: list[pa.Schema]) -> pa.Schema:
    """The schema the schema check should see for an hour: the first file's that differs, if any."""
    return next((schema for schema in schemas if not schema.equals(RECORD_SCHEMA)), schemas[0])


def _in_sort_order(table: pa.Table) -> bool:
    """Whether rows are in (start, interaction_id, session_id) order, in one vector pass."""
    sort_columns = pl.from_arrow(table.select(list(SORT_COLUMNS)))
    start, interaction, session = (pl.col(column) for column in SORT_COLUMNS)
    not_before_previous = (start > start.shift()) | (
        (start == start.shift())
        & ((interaction > interaction.shift()) | ((interaction == interaction.shift()) & (session >= session.shift())))
    )
    return bool(sort_columns.select(not_before_previous.fill_null(True).all()).item())


def _sort_key(batch: pa.RecordBatch, row: int) -> SortKey:
    return tuple(batch.column(column)[row].as_py() for column in SORT_COLUMNS)


@dataclass(frozen=True)
class _HourOpened:
    """In pass one's stream of reads: the batches that follow belong to `hour`."""

    hour: PublishedPartition
    schema: pa.Schema
    """The schema the schema check sees for the hour: its first file's that drifted, if any."""


def _scan_reads(lake: Lake, hours: Sequence[PublishedPartition]) -> Iterator[_HourOpened | pa.RecordBatch]:
    """Everything pass one reads, in order: each hour's schema, then its batches."""
    for hour in hours:
        yield _HourOpened(hour, _first_drifted_schema(lake.file_schemas(hour)))
        yield from lake.record_batches(hour, READ_BATCH_ROWS)


@dataclass
class _HourScan:
    """What pass one tracks while it reads one hour."""

    hour: PublishedPartition
    contract_types: bool
    in_sort_order: bool = True
    first: SortKey | None = None
    last: SortKey | None = None


@dataclass
class _DayScanner:
    lake: Lake
    checks: BatchChecks
    hours: list[ScannedHour] = field(default_factory=list)
    hour_schemas: dict[str, pa.Table] = field(default_factory=dict)
    hours_in_order: bool = True
    last_sort_key: SortKey | None = None
    _hour: _HourScan | None = None

    def read(self, item: _HourOpened | pa.RecordBatch) -> None:
        if isinstance(item, _HourOpened):
            self.close_hour()
            self._open_hour(item)
        else:
            self._add(item)

    def _open_hour(self, opened: _HourOpened) -> None:
        self.hour_schemas[opened.hour.key] = opened.schema.empty_table()
        contract_types = check_partition_schemas({opened.hour.key: opened.schema.empty_table()}) is None
        self._hour = _HourScan(opened.hour, contract_types)

    def _add(self, batch: pa.RecordBatch) -> None:
        hour = self._hour
        table = pa.Table.from_batches([batch])
        self.checks.add(table, hour.hour.key, row_rules=hour.contract_types)
        if not hour.contract_types or batch.num_rows == 0:
            return
        batch_first = _sort_key(batch, 0)
        hour.in_sort_order = (
            hour.in_sort_order and (hour.last is None or hour.last <= batch_first) and _in_sort_order(table)
        )
        hour.first = hour.first or batch_first
        hour.last = _sort_key(batch, batch.num_rows - 1)

    def close_hour(self) -> None:
        """Settle the hour being read: its place in the day's order."""
        hour, self._hour = self._hour, None
        if hour is None:
            return
        first, last = hour.first, hour.last
        if first is not None and not hour.in_sort_order:
            first, last = _sort_bounds(self.lake.read_table(hour.hour))
        if first is not None:
            if self.last_sort_key is not None and first < self.last_sort_key:
                self.hours_in_order = False
            self.last_sort_key = last
        self.hours.append(ScannedHour(hour.hour, hour.in_sort_order))

    def result(self, published: Sequence[PublishedPartition]) -> DayScan:
        self.close_hour()
        checks = self.checks
        return DayScan(
            hours=self.hours,
            schema_outcome=check_partition_schemas(self.hour_schemas) or checks.schema_outcome(),
            key_outcome=checks.key_outcome(lambda: _key_tables(self.lake, published)),
            rows=checks.rows,
            hours_in_order=self.hours_in_order,
            code_counts=checks.code_counts(),
            time_range=checks.time_range_metadata(),
        )


def scan_day(lake: Lake, hours: Sequence[PublishedPartition], window_start: datetime, window_end: datetime) -> DayScan:
    """Pass one: the day's schema and key check outcomes (as `check_partition_schemas`,
    `check_record_schema` and `check_key_unique` would give on the concatenated day) and what pass
    two needs, reading batch by batch (a thread reading ahead of the checks)."""
    scanner = _DayScanner(lake, BatchChecks(window_start, window_end))
    with closing(read_ahead(_scan_reads(lake, hours), READ_AHEAD_BATCHES, "daily-compaction-pass-one")) as reads:
        for item in reads:
            scanner.read(item)
    return scanner.result(hours)


def _key_tables(lake: Lake, hours: Sequence[PublishedPartition]) -> Iterator[tuple[str, pa.Table]]:
    """The day's key columns again, hour by hour, for the exact check of keys whose hashes repeat."""
    for hour in hours:
        for batch in lake.record_batches(hour, READ_BATCH_ROWS, list(RECORD_KEY)):
            yield hour.key, pa.Table.from_batches([batch])


def _sort_bounds(table: pa.Table) -> tuple[SortKey, SortKey]:
    """The first and last row in sort order of an hour written out of order (read as a whole)."""
    ordered = table.select(list(SORT_COLUMNS)).sort_by(SORT_ORDER)
    return (
        tuple(ordered[column][0].as_py() for column in SORT_COLUMNS),
        tuple(ordered[column][-1].as_py() for column in SORT_COLUMNS),
    )


class DayRecords:
    """Pass two: the day's rows in sort order as a stream of record batches, for the IO manager.

    `reader()` is single use, like the Parquet writer that consumes it.
    """

    def __init__(self, lake: Lake, scan: DayScan) -> None:
        if not scan.passed:
            raise ValueError("DayRecords streams a day whose checks passed; this day's failed")
        self.lake = lake
        self.scan = scan

    def reader(self) -> pa.RecordBatchReader:
        return pa.RecordBatchReader.from_batches(
            RECORD_SCHEMA, read_ahead(self._batches(), READ_AHEAD_BATCHES, "daily-compaction-pass-two")
        )

    def _batches(self) -> Iterator[pa.RecordBatch]:
        if not self.scan.hours_in_order:
            whole_day = [self.lake.read_table(scanned.hour) for scanned in self.scan.hours]
            yield from pa.concat_tables(whole_day).sort_by(SORT_ORDER).to_batches()
            return
        for scanned in self.scan.hours:
            if scanned.in_sort_order:
                yield from self.lake.record_batches(scanned.hour, READ_BATCH_ROWS)
            else:
                yield from self.lake.read_table(scanned.hour).sort_by(SORT_ORDER).to_batches()
