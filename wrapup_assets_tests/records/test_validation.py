from datetime import UTC, datetime

import pyarrow as pa

from wrapup_assets.records.schema import RECORD_SCHEMA
from wrapup_assets.records.validation import CheckOutcome, check_key_unique, check_record_schema
from wrapup_assets_tests.records.conversations import (
    BORIS,
    CODE_LABELS,
    HOUR_END,
    HOUR_START,
    agent,
    agent_session,
    conversation,
    expected_row,
    page,
)
from wrapup_assets_tests.records.flattening import flatten_pages

SECOND_ID = "c0ffee00-1234-4abc-8def-000000000002"


def good_table() -> pa.Table:
    transferred = conversation(
        SECOND_ID,
        start="2024-05-01T09:30:00.000Z",
        end="2024-05-01T09:40:00.000Z",
        participants=[agent(), agent("a9e17000-aaaa-4bbb-8ccc-000000000004", BORIS, [agent_session("5e55-b")])],
    )
    table, _ = flatten_pages([page(conversation(), transferred)], HOUR_START, HOUR_END, CODE_LABELS)
    return table


def table_of(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=RECORD_SCHEMA)


def test_good_table_passes_both_checks():
    table = good_table()

    assert check_record_schema(table, HOUR_START, HOUR_END) == CheckOutcome(
        passed=True,
        description="3 rows match record schema version 1",
        metadata={"rows": 3, "schema_version": 1},
    )
    assert check_key_unique(table) == CheckOutcome(
        passed=True,
        description="all 3 keys (interaction_id, session_id) are unique",
        metadata={"duplicate_keys": 0, "first_duplicates": ""},
    )


def test_empty_table_passes():
    assert check_record_schema(RECORD_SCHEMA.empty_table(), HOUR_START, HOUR_END).passed


def test_planted_duplicate_fails_naming_the_key():
    table = pa.concat_tables([good_table(), table_of([expected_row()])])

    outcome = check_key_unique(table)

    assert not outcome.passed
    assert outcome.metadata == {
        "duplicate_keys": 1,
        "first_duplicates": "c0ffee00-1234-4abc-8def-000000000001/5e551011-0000-4000-8000-000000000a11",
    }


def test_timestamp_outside_the_window_fails_naming_the_column_and_id():
    table = table_of(
        [
            expected_row(),
            expected_row(
                interaction_id=SECOND_ID,
                interaction_timestamp=datetime(2024, 5, 1, 10, 0, tzinfo=UTC),
                conversation_end=datetime(2024, 5, 1, 10, 5, tzinfo=UTC),
            ),
        ]
    )

    outcome = check_record_schema(table, HOUR_START, HOUR_END)

    assert not outcome.passed
    assert outcome.metadata["failing_checks"] == (
        "interaction_timestamp/in_range(2024-05-01 09:00:00+00:00, 2024-05-01 10:00:00+00:00): 1"
    )
    assert outcome.metadata["first_failing_interaction_ids"] == SECOND_ID
    assert outcome.metadata["failing_rows"] == 1


def test_wrong_column_type_fails_naming_column_expected_and_found():
    table = good_table()
    position = table.schema.get_field_index("handle_ms")
    table = table.set_column(position, pa.field("handle_ms", pa.float64()), table["handle_ms"].cast(pa.float64()))

    outcome = check_record_schema(table, HOUR_START, HOUR_END)

    assert outcome == CheckOutcome(
        passed=False,
        description="1 column(s) do not match the record schema: handle_ms: expected int64, found double",
        metadata={"mismatched_columns": "handle_ms: expected int64, found double", "mismatch_count": 1},
    )


def test_missing_column_fails_naming_it():
    outcome = check_record_schema(good_table().drop_columns(["acw_ms"]), HOUR_START, HOUR_END)

    assert outcome.metadata["mismatched_columns"] == "acw_ms: missing (expected int64)"


def test_null_in_non_null_column_fails_naming_the_column():
    table = table_of([expected_row(), expected_row(interaction_id=SECOND_ID, media_type=None)])

    outcome = check_record_schema(table, HOUR_START, HOUR_END)

    assert not outcome.passed
    assert outcome.metadata == {
        "failures": 1,
        "failing_rows": 1,
        "failing_checks": "media_type/not_nullable: 1",
        "first_failing_interaction_ids": SECOND_ID,
    }


def test_negative_durations_and_end_before_start_fail_together():
    table = table_of(
        [
            expected_row(handle_ms=-1),
            expected_row(interaction_id=SECOND_ID, conversation_end=datetime(2024, 5, 1, 9, 0, tzinfo=UTC)),
        ]
    )

    outcome = check_record_schema(table, HOUR_START, HOUR_END)

    assert outcome.metadata["failing_checks"] == (
        "handle_ms/greater_than_or_equal_to(0): 1; wrapup_records/conversation_end_not_before_start: 1"
    )
    assert outcome.metadata["first_failing_interaction_ids"] == f"c0ffee00-1234-4abc-8def-000000000001, {SECOND_ID}"


def test_unknown_schema_version_fails():
    table = table_of([expected_row(schema_version=2)])

    outcome = check_record_schema(table, HOUR_START, HOUR_END)

    assert outcome.metadata["failing_checks"] == "schema_version/isin([1]): 1"
