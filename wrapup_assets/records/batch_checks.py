"""The blocking contract checks and the summary of a partition, accumulated one batch at a time.

A partition too big to hold as one table (a busy hour, a day) is checked in the same streamed pass
that builds or reads it. Per batch it keeps only what the verdicts need: 8-byte hashes of the keys,
rows per wrap-up code, the time range, and the failing outcomes of the contract rules, which are
judged over up to ROW_RULE_ROWS rows at a time (their cost is mostly per call). The verdicts are
the ones the whole-table checks (`check_record_schema`, `check_key_unique`) would give: keys whose
hashes repeat are read again and compared exactly, so a hash collision never fails a partition and
a true duplicate is named by its key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from operator import itemgetter

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from wrapup_assets.records.code_counts import merge_code_counts, wrap_up_code_counts
from wrapup_assets.records.schema import RECORD_KEY, SCHEMA_VERSION
from wrapup_assets.records.validation import (
    FIRST_FAILING_IDS,
    CheckOutcome,
    check_key_unique,
    check_record_schema,
    key_columns,
)

RECORD_KEY_TEXT = f"({', '.join(RECORD_KEY)})"
ROW_RULE_ROWS = 262_144
"""Rows the pandera row rules judge in one call: a call costs ~15 ms of per-column Python whatever
its size up to ~100,000 rows, which per 16-32k-row batch was more than building or reading it."""

KeyTables = Callable[[], Iterable[tuple[str, pa.Table]]]
"""Reads the partition's key columns again, as (source, table) pieces, for the exact key check."""


def key_hashes(keys: pa.Table) -> pl.Series:
    """One 8-byte hash per row of a key table (the columns of RECORD_KEY as strings)."""
    return pl.from_arrow(keys).hash_rows()


@dataclass
class BatchChecks:
    """Contract and key checks of one partition window, fed batch after batch with `add`."""

    window_start: datetime
    window_end: datetime
    rows: int = 0
    first_interaction: datetime | None = None
    last_interaction: datetime | None = None
    _row_failures: list[tuple[str, CheckOutcome]] = field(default_factory=list)
    _key_hashes: list[pl.Series] = field(default_factory=list)
    _code_counts: list[pa.Table] = field(default_factory=list)
    _unjudged: list[tuple[str, pa.Table]] = field(default_factory=list)
    _unjudged_rows: int = 0

    def add(self, table: pa.Table, source: str, *, row_rules: bool = True) -> None:
        """Account for a batch of rows read from `source` (a partition key). `row_rules=False` when
        the source's column types already failed: its keys still count, its rows cannot be judged."""
        self.rows += table.num_rows
        self._key_hashes.append(key_hashes(key_columns({source: table})))
        if not row_rules or table.num_rows == 0:
            return
        self._code_counts.append(wrap_up_code_counts(table))
        bounds = pc.min_max(table["interaction_timestamp"])
        first, last = bounds["min"].as_py(), bounds["max"].as_py()
        if self.first_interaction is None or first < self.first_interaction:
            self.first_interaction = first
        if self.last_interaction is None or last > self.last_interaction:
            self.last_interaction = last
        if self._unjudged and not table.schema.equals(self._unjudged[0][1].schema):
            self._judge()  # same types, other nullability: judged apart, Arrow refuses to concatenate them
        self._unjudged.append((source, table))
        self._unjudged_rows += table.num_rows
        if self._unjudged_rows >= ROW_RULE_ROWS:
            self._judge()

    def _judge(self) -> None:
        """Judge the rows added since the last call. The rules are row by row, so a group passes
        exactly when each of its sources would; a failing group is judged again source by source,
        so every failure names its source with the outcome that source's rows alone give."""
        unjudged, self._unjudged, self._unjudged_rows = self._unjudged, [], 0
        if not unjudged or (group_outcome := self._rules([table for _, table in unjudged])).passed:
            return
        failures = []
        for source, parts in groupby(unjudged, key=itemgetter(0)):
            outcome = self._rules([table for _, table in parts])
            if not outcome.passed:
                failures.append((source, outcome))
        # A rule over several rows (none today) could fail the group and no source alone: name them all.
        self._row_failures += failures or [(", ".join(dict.fromkeys(source for source, _ in unjudged)), group_outcome)]

    def _rules(self, tables: list[pa.Table]) -> CheckOutcome:
        return check_record_schema(pa.concat_tables(tables), self.window_start, self.window_end)

    def schema_outcome(self) -> CheckOutcome:
        """The contract rules over every row added: one outcome, naming the failing sources."""
        self._judge()
        failures = self._row_failures
        if not failures:
            return CheckOutcome(
                passed=True,
                description=f"{self.rows} rows match record schema version {SCHEMA_VERSION}",
                metadata={"rows": self.rows, "schema_version": SCHEMA_VERSION},
            )
        failing_rows = sum(int(outcome.metadata["failing_rows"]) for _, outcome in failures)
        failing_checks = "; ".join(f"{source}: {outcome.metadata['failing_checks']}" for source, outcome in failures)
        first_ids = [
            interaction_id
            for _, outcome in failures
            for interaction_id in str(outcome.metadata["first_failing_interaction_ids"]).split(", ")
        ][:FIRST_FAILING_IDS]
        return CheckOutcome(
            passed=False,
            description=f"{failing_rows} of {self.rows} rows break the record contract: {failing_checks}",
            metadata={
                "failures": sum(int(outcome.metadata["failures"]) for _, outcome in failures),
                "failing_rows": failing_rows,
                "failing_checks": failing_checks,
                "first_failing_interaction_ids": ", ".join(first_ids),
                "failing_partitions": ", ".join(dict.fromkeys(source for source, _ in failures)),
            },
        )

    def key_outcome(self, key_tables: KeyTables) -> CheckOutcome:
        """Key uniqueness over every row added, from the hashes; `key_tables` is read only when
        some hashes repeat, to compare those keys exactly."""
        # Sorting 8-byte hashes in place and comparing neighbours costs far less memory than a hash table.
        hashes = (pl.concat(self._key_hashes) if self._key_hashes else pl.Series(dtype=pl.UInt64)).sort(in_place=True)
        repeated = hashes.filter(hashes == hashes.shift(1)).unique()
        if repeated.len():
            suspects = [
                keys.filter(pa.array(key_hashes(keys).is_in(repeated).to_arrow()))
                for keys in (key_columns({source: table}) for source, table in key_tables())
            ]
            outcome = check_key_unique(pa.concat_tables(suspects))
            if not outcome.passed:
                return outcome
        return CheckOutcome(
            passed=True,
            description=f"all {self.rows} keys {RECORD_KEY_TEXT} are unique",
            metadata={"duplicate_keys": 0, "first_duplicates": ""},
        )

    def code_counts(self) -> pa.Table:
        """Rows per (wrap_up_code_id, wrap_up_code_label) over the rows whose types could be judged."""
        return merge_code_counts(self._code_counts)

    def time_range_metadata(self) -> dict[str, str]:
        """First and last interaction of the rows added, for the UI; empty without rows."""
        if self.first_interaction is None or self.last_interaction is None:
            return {}
        return {
            "first_interaction": self.first_interaction.isoformat(),
            "last_interaction": self.last_interaction.isoformat(),
        }
