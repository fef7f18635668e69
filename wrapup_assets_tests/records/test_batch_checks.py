"""Checked batch by batch, a partition gets the verdicts of the whole-table checks: failing rows
counted over all batches and named by source, duplicates across batches named by key, and a
hash collision never mistaken for a duplicate."""

from datetime import UTC, datetime, timedelta

import polars as pl
import pyarrow as pa

from wrapup_assets.records import batch_checks
from wrapup_assets.records.batch_checks import BatchChecks
from wrapup_assets.records.schema import RECORD_SCHEMA, SCHEMA_VERSION

HOUR = datetime(2024, 5, 1, 14, tzinfo=UTC)
HOUR_END = HOUR + timedelta(hours=1)


def records(*rows: tuple[str, str, int]) -> pa.Table:
    """Contract rows (interaction_id, session_id, handle_ms) starting one minute into the hour."""
    start = HOUR + timedelta(minutes=1)
    columns = {field.name: [None] * len(rows) for field in RECORD_SCHEMA}
    columns["interaction_timestamp"] = [start] * len(rows)
    columns["interaction_id"] = [row[0] for row in rows]
    columns["session_id"] = [row[1] for row in rows]
    columns["participant_id"] = ["p"] * len(rows)
    columns["media_type"] = ["voice"] * len(rows)
    columns["wrap_up_code_id"] = ["code-a"] * len(rows)
    columns["conversation_end"] = [start + timedelta(minutes=5)] * len(rows)
    columns["handle_ms"] = [row[2] for row in rows]
    columns["schema_version"] = [SCHEMA_VERSION] * len(rows)
    return pa.table(columns, schema=RECORD_SCHEMA)


def checked(*batches: pa.Table, sources: tuple[str, ...] = ()) -> BatchChecks:
    checks = BatchChecks(HOUR, HOUR_END)
    for index, batch in enumerate(batches):
        checks.add(batch, sources[index] if sources else "2024-05-01-14:00")
    return checks


def key_tables(*batches: pa.Table):
    return lambda: (("2024-05-01-14:00", batch) for batch in batches)


def test_clean_batches_pass_with_counts_and_time_range():
    first, second = records(("c1", "s1", 10), ("c2", "s2", 20)), records(("c3", "s3", 30))
    checks = checked(first, second)

    assert checks.schema_outcome().passed
    assert checks.schema_outcome().description == f"3 rows match record schema version {SCHEMA_VERSION}"
    key = checks.key_outcome(key_tables(first, second))
    assert key.passed
    assert key.description == "all 3 keys (interaction_id, session_id) are unique"
    assert checks.code_counts().to_pylist() == [{"wrap_up_code_id": "code-a", "wrap_up_code_label": None, "rows": 3}]
    assert checks.time_range_metadata() == {
        "first_interaction": "2024-05-01T14:01:00+00:00",
        "last_interaction": "2024-05-01T14:01:00+00:00",
    }


def test_failing_rows_in_two_batches_add_up_and_name_the_source():
    checks = checked(records(("c1", "s1", -1)), records(("c2", "s2", 5), ("c3", "s3", -2)))

    outcome = checks.schema_outcome()
    assert not outcome.passed
    assert outcome.description == (
        "2 of 3 rows break the record contract: 2024-05-01-14:00: handle_ms/greater_than_or_equal_to(0): 2"
    )
    assert outcome.metadata["first_failing_interaction_ids"] == "c1, c3"
    assert outcome.metadata["failing_partitions"] == "2024-05-01-14:00"


def test_rows_judged_together_still_name_each_failing_source():
    checks = checked(
        records(("c1", "s1", -1)),
        records(("c2", "s2", 5)),
        records(("c3", "s3", -2)),
        sources=("2024-05-01-10:00", "2024-05-01-11:00", "2024-05-01-12:00"),
    )

    outcome = checks.schema_outcome()
    assert outcome.description == (
        "2 of 3 rows break the record contract: 2024-05-01-10:00: handle_ms/greater_than_or_equal_to(0): 1; "
        "2024-05-01-12:00: handle_ms/greater_than_or_equal_to(0): 1"
    )
    assert outcome.metadata["failing_partitions"] == "2024-05-01-10:00, 2024-05-01-12:00"


def test_rows_are_judged_once_a_group_is_full(monkeypatch):
    monkeypatch.setattr(batch_checks, "ROW_RULE_ROWS", 2)
    judged = []
    real_rules = BatchChecks._rules
    monkeypatch.setattr(
        BatchChecks, "_rules", lambda self, tables: judged.append(len(tables)) or real_rules(self, tables)
    )

    checks = checked(records(("c1", "s1", 1)), records(("c2", "s2", 2)), records(("c3", "s3", 3)))
    assert judged == [2]
    assert checks.schema_outcome().passed
    assert judged == [2, 1]


def test_a_key_repeated_in_another_batch_is_named():
    first, second = records(("c1", "s1", 10), ("c2", "s2", 20)), records(("c2", "s2", 20))

    outcome = checked(first, second).key_outcome(key_tables(first, second))

    assert not outcome.passed
    assert outcome.description == "1 keys (interaction_id, session_id) occur more than once: c2/s2"


def test_colliding_hashes_of_distinct_keys_do_not_fail(monkeypatch):
    monkeypatch.setattr(batch_checks, "key_hashes", lambda keys: pl.Series([7] * keys.num_rows, dtype=pl.UInt64))
    first, second = records(("c1", "s1", 10)), records(("c2", "s2", 20))

    outcome = checked(first, second).key_outcome(key_tables(first, second))

    assert outcome.passed
    assert outcome.description == "all 2 keys (interaction_id, session_id) are unique"
