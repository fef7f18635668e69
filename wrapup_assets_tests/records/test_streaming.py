"""The streamed records path gives exactly the rows of the whole-hour build, in the same order,
while handing them out in bounded batches; pages out of start order stop the stream (the spool
then rebuilds the whole hour: test_hour_spool.py)."""

from datetime import UTC, datetime, timedelta

import msgspec
import pyarrow as pa
import pytest

from wrapup_assets.emulator.generator import plan_hour
from wrapup_assets.emulator.instants import DAY_MS, to_ms
from wrapup_assets.emulator.organization import organization_for_seed
from wrapup_assets.emulator.rendering import render_conversation
from wrapup_assets.records import window_rows
from wrapup_assets.records.flatten import RecordsBuilder
from wrapup_assets.records.schema import RECORD_SCHEMA
from wrapup_assets.records.window_rows import PagesOutOfOrderError

HOUR = datetime(2024, 5, 1, 14, tzinfo=UTC)
HOUR_END = HOUR + timedelta(hours=1)
SEED = 11
PAGE_SIZE = 50


@pytest.fixture(scope="module")
def conversations() -> list[dict]:
    """An hour of the emulator's conversations as the details query shows them a day later."""
    now_ms = to_ms(HOUR) + DAY_MS
    return [render_conversation(plan, now_ms) for plan in plan_hour(SEED, 2_000, to_ms(HOUR))]


@pytest.fixture(scope="module")
def labels() -> dict[str, str]:
    return {code.code_id: code.name for code in organization_for_seed(SEED).codes}


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    """Batches of 300 rows, so an hour of 2,000 conversations streams out in several of them."""
    monkeypatch.setattr(window_rows, "BATCH_ROWS", 300)


def pages_of(conversations: list[dict], shift: int = 0) -> list[bytes]:
    """Pages as read; with `shift`, every page after the first starts `shift` conversations early
    (conversations arrived while paging), so those are read twice."""
    pages, first = [], 0
    while first < len(conversations):
        pages.append(msgspec.json.encode({"conversations": conversations[first : first + PAGE_SIZE]}))
        first += PAGE_SIZE - shift
    return pages


def values(table_or_batches: pa.Table | list[pa.RecordBatch]) -> pa.Table:
    """The rows with dictionary columns as plain strings: batches each carry their own dictionary."""
    table = (
        table_or_batches
        if isinstance(table_or_batches, pa.Table)
        else pa.Table.from_batches(table_or_batches, schema=RECORD_SCHEMA)
    )
    plain = pa.schema(
        [field.with_type(pa.string()) if pa.types.is_dictionary(field.type) else field for field in RECORD_SCHEMA]
    )
    return table.cast(plain)


def whole_hour(pages: list[bytes], labels: dict[str, str]) -> tuple[pa.Table, RecordsBuilder]:
    builder = RecordsBuilder(HOUR, HOUR_END, labels)
    for page in pages:
        builder.add_page(page)
    return builder.finish(), builder


def test_streamed_batches_equal_the_whole_hour_build(conversations, labels):
    pages = pages_of(conversations)
    expected, expected_builder = whole_hour(pages, labels)

    builder = RecordsBuilder(HOUR, HOUR_END, labels)
    batches = list(builder.sorted_batches(pages))

    assert len(batches) > 3
    assert max(batch.num_rows for batch in batches) <= 300 + PAGE_SIZE * 3
    assert values(batches).equals(values(expected))
    assert builder.stats == expected_builder.stats
    assert builder.stats.rows == expected.num_rows > 1_500


def test_conversations_read_twice_across_pages_are_deduplicated_while_streaming(conversations, labels):
    pages = pages_of(conversations, shift=3)
    expected, _ = whole_hour(pages_of(conversations), labels)

    builder = RecordsBuilder(HOUR, HOUR_END, labels)
    streamed = list(builder.sorted_batches(pages))

    assert values(streamed).equals(values(expected))
    assert builder.stats.duplicate_rows_dropped > 0


def test_pages_out_of_start_order_stop_the_stream(conversations, labels):
    pages = list(reversed(pages_of(conversations)))

    with pytest.raises(PagesOutOfOrderError, match="not in conversationStart order"):
        list(RecordsBuilder(HOUR, HOUR_END, labels).sorted_batches(pages))
