"""A day's hourly records partitions compacted in two passes, with memory bounded by a row group.

The daily file may only be published once every blocking check has passed, and the IO manager
publishes as soon as it has written the output, so the checks cannot run while the rows are
written. Pass one (`scan_day`) reads each hour one Parquet row group at a time and keeps only what
the checks and the metadata need: 8-byte hashes of the keys (confirmed exactly by re-reading the
key columns of only the rows whose hashes collide, so a true duplicate is named by its key), the
per-batch contract outcomes, wrap-up code counts, and whether each hour is already in
(interaction_timestamp, interaction_id, session_id) order. Pass two (`DayRecords`) streams the
hours again in that order: hours cover disjoint time ranges, so the day's sorted order is the
hours one after another, and only an hour written out of order is sorted (as a whole hour). A day
whose hours overlap (rows of one hour that belong after the next hour's first row) can only come
from a faulty writer; it is sorted as a whole day, as the compaction did before it streamed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.manifest import Manifest
from wrapup_assets.lake.parquet_files import read_parquet_partition
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.records.code_counts import merge_code_counts, wrap_up_code_counts
from wrapup_assets.records.schema import RECORD_KEY, RECORD_SCHEMA, SCHEMA_VERSION
from wrapup_assets.records.validation import (
    FIRST_FAILING_IDS,
    CheckOutcome,
    check_key_unique,
    check_partition_schemas,
    check_record_schema,
    key_columns,
)

SORT_COLUMNS = ("interaction_timestamp", *RECORD_KEY)
SORT_ORDER = [(column, "ascending") for column in SORT_COLUMNS]
READ_BATCH_ROWS = 32_768
"""Rows per batch read back: the Parquet reader decodes a row group page by page, so this, not the
row group size, bounds what one batch holds in memory."""

SortKey = tuple[datetime, str, str]


@dataclass(frozen=True)
class PublishedHour:
    """An hourly partition as its manifest lists it: what both passes read."""

    partition: LakePartition
    manifest: Manifest

    @property
    def key(self) -> str:
        return self.partition.key or "(unpartitioned)"


@dataclass(frozen=True)
class ScannedHour:
    hour: PublishedHour
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
    first_interaction: datetime | None
    last_interaction: datetime | None

    @property
    def passed(self) -> bool:
        return self.schema_outcome.passed and self.key_outcome.passed


def _parquet_batches(location: LakeLocation, hour: PublishedHour, columns: list[str] | None = None):
    """The hour's rows file after file in manifest order, at most a row group per batch."""
    for name in hour.manifest.file_names():
        path = location.join(hour.partition.relative_dir, name)
        with location.filesystem.open_input_file(path) as file:
            yield from pq.ParquetFile(file).iter_batches(batch_size=READ_BATCH_ROWS, columns=columns)


def _file_schemas(location: LakeLocation, hour: PublishedHour) -> list[pa.Schema]:
    schemas = []
    for name in hour.manifest.file_names():
        path = location.join(hour.partition.relative_dir, name)
        with location.filesystem.open_input_file(path) as file:
            schemas.append(pq.ParquetFile(file).schema_arrow)
    return schemas


def _first_drifted_schema(schemas: list[pa.Schema]) -> pa.Schema:
    """The schema the schema check should see for an hour: the first file's that differs, if any."""
    return next((schema for schema in schemas if not schema.equals(RECORD_SCHEMA)), schemas[0])


def _in_sort_order(batch: pa.RecordBatch) -> bool:
    """Whether the batch's rows are in (start, interaction_id, session_id) order, in one vector pass."""
    frame = pl.from_arrow(pa.Table.from_batches([batch]).select(list(SORT_COLUMNS)))
    start, interaction, session = (pl.col(column) for column in SORT_COLUMNS)
    not_before_previous = (start > start.shift()) | (
        (start == start.shift())
        & ((interaction > interaction.shift()) | ((interaction == interaction.shift()) & (session >= session.shift())))
    )
    return bool(frame.select(not_before_previous.fill_null(True).all()).item())


def _sort_key(batch: pa.RecordBatch, row: int) -> SortKey:
    return tuple(batch.column(column)[row].as_py() for column in SORT_COLUMNS)


def _key_hashes(keys: pa.Table) -> pl.Series:
    return pl.from_arrow(keys).hash_rows()


@dataclass
class _DayScanner:
    location: LakeLocation
    window_start: datetime
    window_end: datetime
    rows: int = 0
    hours: list[ScannedHour] = field(default_factory=list)
    hour_schemas: dict[str, pa.Table] = field(default_factory=dict)
    row_failures: list[tuple[str, CheckOutcome]] = field(default_factory=list)
    key_hashes: list[pl.Series] = field(default_factory=list)
    code_counts: list[pa.Table] = field(default_factory=list)
    hours_in_order: bool = True
    last_sort_key: SortKey | None = None
    first_interaction: datetime | None = None
    last_interaction: datetime | None = None

    def scan(self, hour: PublishedHour) -> None:
        schema = _first_drifted_schema(_file_schemas(self.location, hour))
        self.hour_schemas[hour.key] = schema.empty_table()
        contract_types = check_partition_schemas({hour.key: schema.empty_table()}) is None
        in_sort_order = True
        first: SortKey | None = None
        last: SortKey | None = None
        for batch in _parquet_batches(self.location, hour):
            self.rows += batch.num_rows
            table = pa.Table.from_batches([batch])
            self.key_hashes.append(_key_hashes(key_columns({hour.key: table})))
            if not contract_types or batch.num_rows == 0:
                continue
            outcome = check_record_schema(table, self.window_start, self.window_end)
            if not outcome.passed:
                self.row_failures.append((hour.key, outcome))
            self.code_counts.append(wrap_up_code_counts(table))
            bounds = pc.min_max(table["interaction_timestamp"])
            self._extend_time_range(bounds["min"].as_py(), bounds["max"].as_py())
            batch_first = _sort_key(batch, 0)
            in_sort_order = in_sort_order and (last is None or last <= batch_first) and _in_sort_order(batch)
            first = first or batch_first
            last = _sort_key(batch, batch.num_rows - 1)
        if first is not None and not in_sort_order:
            first, last = _sort_bounds(_read_hour(self.location, hour))
        if first is not None:
            if self.last_sort_key is not None and first < self.last_sort_key:
                self.hours_in_order = False
            self.last_sort_key = last
        self.hours.append(ScannedHour(hour, in_sort_order))

    def _extend_time_range(self, first: datetime, last: datetime) -> None:
        if self.first_interaction is None or first < self.first_interaction:
            self.first_interaction = first
        if self.last_interaction is None or last > self.last_interaction:
            self.last_interaction = last

    def result(self, published: Sequence[PublishedHour]) -> DayScan:
        schema_problem = check_partition_schemas(self.hour_schemas)
        schema_outcome = schema_problem or _merged_row_outcome(self.row_failures, self.rows)
        return DayScan(
            hours=self.hours,
            schema_outcome=schema_outcome,
            key_outcome=_key_outcome(self.location, published, self.key_hashes, self.rows),
            rows=self.rows,
            hours_in_order=self.hours_in_order,
            code_counts=merge_code_counts(self.code_counts),
            first_interaction=self.first_interaction,
            last_interaction=self.last_interaction,
        )


def scan_day(
    location: LakeLocation, hours: Sequence[PublishedHour], window_start: datetime, window_end: datetime
) -> DayScan:
    """Pass one: the day's schema and key check outcomes (as `check_partition_schemas`,
    `check_record_schema` and `check_key_unique` would give on the concatenated day) and what pass
    two needs, reading one row group at a time."""
    scanner = _DayScanner(location, window_start, window_end)
    for hour in hours:
        scanner.scan(hour)
    return scanner.result(hours)


def _merged_row_outcome(failures: list[tuple[str, CheckOutcome]], rows: int) -> CheckOutcome:
    """One outcome for the row-level rules over the whole day, from the failing batches' outcomes."""
    if not failures:
        return CheckOutcome(
            passed=True,
            description=f"{rows} rows match record schema version {SCHEMA_VERSION}",
            metadata={"rows": rows, "schema_version": SCHEMA_VERSION},
        )
    failing_rows = sum(int(outcome.metadata["failing_rows"]) for _, outcome in failures)
    failing_checks = "; ".join(f"{hour}: {outcome.metadata['failing_checks']}" for hour, outcome in failures)
    first_ids = [
        interaction_id
        for _, outcome in failures
        for interaction_id in str(outcome.metadata["first_failing_interaction_ids"]).split(", ")
    ][:FIRST_FAILING_IDS]
    return CheckOutcome(
        passed=False,
        description=f"{failing_rows} of {rows} rows break the record contract: {failing_checks}",
        metadata={
            "failures": sum(int(outcome.metadata["failures"]) for _, outcome in failures),
            "failing_rows": failing_rows,
            "failing_checks": failing_checks,
            "first_failing_interaction_ids": ", ".join(first_ids),
            "failing_partitions": ", ".join(dict.fromkeys(hour for hour, _ in failures)),
        },
    )


def _key_outcome(
    location: LakeLocation, hours: Sequence[PublishedHour], key_hashes: list[pl.Series], rows: int
) -> CheckOutcome:
    """Key uniqueness over the day from the keys' hashes; the keys whose hashes repeat are read
    again and checked exactly, so a hash collision never fails the day and a duplicate is named."""
    # Sorting 8-byte hashes in place and comparing neighbours costs far less memory than a hash table.
    hashes = (pl.concat(key_hashes) if key_hashes else pl.Series(dtype=pl.UInt64)).sort(in_place=True)
    repeated = hashes.filter(hashes == hashes.shift(1)).unique()
    if repeated.len():
        suspects = []
        for hour in hours:
            for batch in _parquet_batches(location, hour, list(RECORD_KEY)):
                keys = key_columns({hour.key: pa.Table.from_batches([batch])})
                suspects.append(keys.filter(pa.array(_key_hashes(keys).is_in(repeated).to_arrow())))
        outcome = check_key_unique(pa.concat_tables(suspects))
        if not outcome.passed:
            return outcome
    return CheckOutcome(
        passed=True,
        description=f"all {rows} keys (interaction_id, session_id) are unique",
        metadata={"duplicate_keys": 0, "first_duplicates": ""},
    )


def _sort_bounds(table: pa.Table) -> tuple[SortKey, SortKey]:
    """The first and last row in sort order of an hour written out of order (read as a whole)."""
    ordered = table.select(list(SORT_COLUMNS)).sort_by(SORT_ORDER)
    return (
        tuple(ordered[column][0].as_py() for column in SORT_COLUMNS),
        tuple(ordered[column][-1].as_py() for column in SORT_COLUMNS),
    )


def _read_hour(location: LakeLocation, hour: PublishedHour) -> pa.Table:
    return read_parquet_partition(location, hour.partition, hour.manifest)


class DayRecords:
    """Pass two: the day's rows in sort order as a stream of record batches, for the IO manager.

    `reader()` is single use, like the Parquet writer that consumes it.
    """

    def __init__(self, location: LakeLocation, scan: DayScan) -> None:
        if not scan.passed:
            raise ValueError("DayRecords streams a day whose checks passed; this day's failed")
        self.location = location
        self.scan = scan

    def reader(self) -> pa.RecordBatchReader:
        return pa.RecordBatchReader.from_batches(RECORD_SCHEMA, self._batches())

    def _batches(self) -> Iterator[pa.RecordBatch]:
        if not self.scan.hours_in_order:
            whole_day = [_read_hour(self.location, scanned.hour) for scanned in self.scan.hours]
            yield from pa.concat_tables(whole_day).sort_by(SORT_ORDER).to_batches()
            return
        for scanned in self.scan.hours:
            if scanned.in_sort_order:
                yield from _parquet_batches(self.location, scanned.hour)
            else:
                yield from _read_hour(self.location, scanned.hour).sort_by(SORT_ORDER).to_batches()
