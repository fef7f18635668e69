"""A day's hourly records partitions compacted in two passes, with memory bounded by a few batches.

The daily file may only be published once every blocking check has passed, and the IO manager
publishes as soon as it has written the output, so the checks cannot run while the rows are
written. Pass one (`scan_day`) reads the hours batch by batch and keeps only what the checks and
the metadata need: 8-byte hashes of the keys (confirmed exactly by re-reading the key columns of
only the rows whose hashes collide, so a true duplicate is named by its key), the failing contract
outcomes (the row rules judged over up to ROW_RULE_ROWS rows of consecutive hours per call, since
their cost is mostly per call), wrap-up code counts, and whether each hour is already in
(interaction_timestamp, interaction_id, session_id) order. Pass two (`DayRecords`) streams the
hours again in that order: hours cover disjoint time ranges, so the day's sorted order is the
hours one after another, and only an hour written out of order is sorted (as a whole hour). A day
whose hours overlap (rows of one hour that belong after the next hour's first row) can only come
from a faulty writer; it is sorted as a whole day, as the compaction did before it streamed.

In both passes a background thread reads the next batches (`read_ahead`) while the main thread
checks or encodes the current ones: Parquet decoding releases the GIL, so the two cores overlap.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from operator import itemgetter

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.manifest import Manifest
from wrapup_assets.lake.parquet_files import MAX_ROW_GROUP_ROWS, read_parquet_partition
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.records.batch_checks import key_hashes
from wrapup_assets.records.code_counts import CODE_COLUMNS, CODE_COUNTS_SCHEMA, merge_code_counts
from wrapup_assets.records.read_ahead import read_ahead
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
ROW_RULE_ROWS = 262_144
"""Rows the pandera row rules judge in one call (consecutive hours together): a call costs ~15 ms
of per-column Python whatever its size up to ~100,000 rows, which per 32,768-row batch was more
than reading the batch."""
READ_AHEAD_BATCHES = 2
"""Batches a background thread reads ahead of the checks (pass one) or the Parquet encoder (pass two)."""

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


def _in_sort_order(sort_columns: pl.DataFrame) -> bool:
    """Whether rows are in (start, interaction_id, session_id) order, in one vector pass."""
    start, interaction, session = (pl.col(column) for column in SORT_COLUMNS)
    not_before_previous = (start > start.shift()) | (
        (start == start.shift())
        & ((interaction > interaction.shift()) | ((interaction == interaction.shift()) & (session >= session.shift())))
    )
    return bool(sort_columns.select(not_before_previous.fill_null(True).all()).item())


def _code_counts(table: pa.Table) -> pa.Table:
    """`wrap_up_code_counts` of a batch, grouped on the dictionary indices before the few groups are
    cast to strings rather than after every row is (0.8 ms instead of 5 ms per 100,000 rows)."""
    counts = table.select(CODE_COLUMNS).group_by(CODE_COLUMNS, use_threads=False).aggregate([([], "count_all")])
    return counts.rename_columns(CODE_COUNTS_SCHEMA.names).cast(CODE_COUNTS_SCHEMA)


def _sort_key(batch: pa.RecordBatch, row: int) -> SortKey:
    return tuple(batch.column(column)[row].as_py() for column in SORT_COLUMNS)


@dataclass(frozen=True)
class _HourOpened:
    """In pass one's stream of reads: the batches that follow belong to `hour`."""

    hour: PublishedHour
    schema: pa.Schema
    """The schema the schema check sees for the hour: its first file's that drifted, if any."""


def _scan_reads(location: LakeLocation, hours: Sequence[PublishedHour]) -> Iterator[_HourOpened | pa.RecordBatch]:
    """Everything pass one reads, in order: each hour's schema, then its batches."""
    for hour in hours:
        yield _HourOpened(hour, _first_drifted_schema(_file_schemas(location, hour)))
        yield from _parquet_batches(location, hour)


@dataclass
class _RowRules:
    """The pandera row rules, judged over up to ROW_RULE_ROWS rows of consecutive hours per call.

    The rules are row by row, so a group of hours passes exactly when each of its hours would; a
    group that fails is judged again hour by hour, so every failure names its hour with the outcome
    that hour's rows alone give.
    """

    window_start: datetime
    window_end: datetime
    failures: list[tuple[str, CheckOutcome]] = field(default_factory=list)
    _pending: list[tuple[str, pa.RecordBatch]] = field(default_factory=list)
    _pending_rows: int = 0

    def add(self, hour_key: str, batch: pa.RecordBatch) -> None:
        if self._pending and not batch.schema.equals(self._pending[0][1].schema):
            self.judge()  # same types, other nullability: judged apart, Arrow refuses to concatenate them
        self._pending.append((hour_key, batch))
        self._pending_rows += batch.num_rows
        if self._pending_rows >= ROW_RULE_ROWS:
            self.judge()

    def judge(self) -> None:
        """Judge the rows added since the last call."""
        pending, self._pending, self._pending_rows = self._pending, [], 0
        if not pending or (group_outcome := self._judge([batch for _, batch in pending])).passed:
            return
        failures = []
        for hour_key, hour_parts in groupby(pending, key=itemgetter(0)):
            outcome = self._judge([batch for _, batch in hour_parts])
            if not outcome.passed:
                failures.append((hour_key, outcome))
        # A rule over several rows (none today) could fail the group and no hour alone: name them all.
        self.failures += failures or [(", ".join(dict.fromkeys(key for key, _ in pending)), group_outcome)]

    def _judge(self, batches: list[pa.RecordBatch]) -> CheckOutcome:
        return check_record_schema(pa.Table.from_batches(batches), self.window_start, self.window_end)


@dataclass
class _HourScan:
    """What pass one tracks while it reads one hour."""

    hour: PublishedHour
    contract_types: bool
    in_sort_order: bool = True
    first: SortKey | None = None
    last: SortKey | None = None


@dataclass
class _DayScanner:
    location: LakeLocation
    row_rules: _RowRules
    rows: int = 0
    hours: list[ScannedHour] = field(default_factory=list)
    hour_schemas: dict[str, pa.Table] = field(default_factory=dict)
    key_hashes: list[pl.Series] = field(default_factory=list)
    code_counts: list[pa.Table] = field(default_factory=list)
    hours_in_order: bool = True
    last_sort_key: SortKey | None = None
    first_interaction: datetime | None = None
    last_interaction: datetime | None = None
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
        self.rows += batch.num_rows
        table = pa.Table.from_batches([batch])
        if not hour.contract_types or batch.num_rows == 0:
            self.key_hashes.append(key_hashes(key_columns({hour.hour.key: table})))
            return
        # One conversion to polars for the key hashes and the order; the key columns are strings
        # already, so these are the hashes key_hashes() gives when repeated keys are re-read.
        sort_columns = pl.from_arrow(table.select(list(SORT_COLUMNS)))
        self.key_hashes.append(sort_columns.select(RECORD_KEY).hash_rows())
        self.row_rules.add(hour.hour.key, batch)
        self.code_counts.append(_code_counts(table))
        bounds = pc.min_max(table["interaction_timestamp"])
        self._extend_time_range(bounds["min"].as_py(), bounds["max"].as_py())
        batch_first = _sort_key(batch, 0)
        hour.in_sort_order = (
            hour.in_sort_order and (hour.last is None or hour.last <= batch_first) and _in_sort_order(sort_columns)
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
            first, last = _sort_bounds(_read_hour(self.location, hour.hour))
        if first is not None:
            if self.last_sort_key is not None and first < self.last_sort_key:
                self.hours_in_order = False
            self.last_sort_key = last
        self.hours.append(ScannedHour(hour.hour, hour.in_sort_order))

    def _extend_time_range(self, first: datetime, last: datetime) -> None:
        if self.first_interaction is None or first < self.first_interaction:
            self.first_interaction = first
        if self.last_interaction is None or last > self.last_interaction:
            self.last_interaction = last

    def result(self, published: Sequence[PublishedHour]) -> DayScan:
        self.close_hour()
        self.row_rules.judge()
        schema_problem = check_partition_schemas(self.hour_schemas)
        schema_outcome = schema_problem or _merged_row_outcome(self.row_rules.failures, self.rows)
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
    two needs, reading batch by batch (a thread reading ahead of the checks)."""
    scanner = _DayScanner(location, _RowRules(window_start, window_end))
    with closing(read_ahead(_scan_reads(location, hours), READ_AHEAD_BATCHES, "daily-compaction-pass-one")) as reads:
        for item in reads:
            scanner.read(item)
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
    location: LakeLocation, hours: Sequence[PublishedHour], batch_hashes: list[pl.Series], rows: int
) -> CheckOutcome:
    """Key uniqueness over the day from the keys' hashes; the keys whose hashes repeat are read
    again and checked exactly, so a hash collision never fails the day and a duplicate is named."""
    # Sorting 8-byte hashes in place and comparing neighbours costs far less memory than a hash table.
    hashes = (pl.concat(batch_hashes) if batch_hashes else pl.Series(dtype=pl.UInt64)).sort(in_place=True)
    repeated = hashes.filter(hashes == hashes.shift(1)).unique()
    if repeated.len():
        suspects = []
        for hour in hours:
            for batch in _parquet_batches(location, hour, list(RECORD_KEY)):
                keys = key_columns({hour.key: pa.Table.from_batches([batch])})
                suspects.append(keys.filter(pa.array(key_hashes(keys).is_in(repeated).to_arrow())))
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
        batches = _one_dictionary_per_row_group(self._batches())
        return pa.RecordBatchReader.from_batches(
            RECORD_SCHEMA, read_ahead(batches, READ_AHEAD_BATCHES, "daily-compaction-pass-two")
        )

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


def _one_dictionary_per_row_group(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The batches, regrouped so that the rows of each row group the lake's writer cuts (every
    MAX_ROW_GROUP_ROWS rows of the stream) share one dictionary per dictionary column.

    Each hourly file brings its own dictionaries, and a row group of the day spans hours; when a
    column chunk's rows come with a second dictionary, the Parquet writer gives up dictionary
    encoding for the rest of the chunk and hashes every value (a day of 25,000-row hours encoded
    40% slower into 12% bigger files); unifying them costs ~5 ms for a day of 2.4M rows. A batch
    that does not match the record schema is passed on as it is, for the writer to name.
    """
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    for batch in batches:
        if not batch.schema.equals(RECORD_SCHEMA):
            yield from _unified(pending)
            pending, pending_rows = [], 0
            yield batch
            continue
        pending.append(batch)
        pending_rows += batch.num_rows
        while pending_rows >= MAX_ROW_GROUP_ROWS:
            table = pa.Table.from_batches(pending, RECORD_SCHEMA)
            yield from _unified(table.slice(0, MAX_ROW_GROUP_ROWS).to_batches())
            pending = table.slice(MAX_ROW_GROUP_ROWS).to_batches()
            pending_rows -= MAX_ROW_GROUP_ROWS
    yield from _unified(pending)


def _unified(batches: list[pa.RecordBatch]) -> list[pa.RecordBatch]:
    return pa.Table.from_batches(batches, RECORD_SCHEMA).unify_dictionaries().to_batches() if batches else []
