"""The spooled hour holds exactly the rows of the whole-hour build, read back as often as needed,
whatever order the pages came in; the spool never holds the hour in memory as a whole."""

import pytest

from wrapup_assets.records import window_rows
from wrapup_assets.records.hour_spool import spool_records
from wrapup_assets.records.schema import RECORD_SCHEMA
from wrapup_assets_tests.records.test_streaming import (  # the same hour of emulator conversations
    HOUR,
    HOUR_END,
    pages_of,
    values,
    whole_hour,
)


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    """Batches of 300 rows, so the hour is spooled as several batches, each with its own dictionaries."""
    monkeypatch.setattr(window_rows, "BATCH_ROWS", 300)


def test_the_spool_reads_back_the_whole_hour_in_batches(conversations, labels, tmp_path):
    pages = pages_of(conversations, shift=3)
    expected, expected_builder = whole_hour(pages, labels)

    spooled, builder = spool_records(lambda: iter(pages), HOUR, HOUR_END, labels, tmp_path / "records.arrows")

    batches = list(spooled.batches())
    assert len(batches) > 3
    assert values(batches).equals(values(expected))
    assert spooled.rows == expected.num_rows == builder.stats.rows
    assert builder.stats == expected_builder.stats
    reread = spooled.reader()
    assert reread.schema.equals(RECORD_SCHEMA, check_metadata=True)
    assert values(reread.read_all()).equals(values(expected))


def test_pages_out_of_start_order_are_spooled_again_as_a_whole_hour(conversations, labels, tmp_path):
    in_order = pages_of(conversations)
    expected, _ = whole_hour(in_order, labels)
    shuffled = in_order[1::2] + in_order[0::2]
    reads = []

    def open_pages():
        reads.append(1)
        return iter(shuffled)

    spooled, builder = spool_records(open_pages, HOUR, HOUR_END, labels, tmp_path / "records.arrows")

    assert len(reads) == 2
    assert values(list(spooled.batches())).equals(values(expected))
    assert spooled.rows == expected.num_rows
    assert builder.stats.pages == len(shuffled)


def test_an_hour_without_rows_spools_an_empty_stream(labels, tmp_path):
    spooled, builder = spool_records(lambda: iter([b'{"totalHits": 0}']), HOUR, HOUR_END, labels, tmp_path / "r")

    assert spooled.rows == 0
    assert list(spooled.batches()) == []
    assert spooled.reader().read_all().equals(RECORD_SCHEMA.empty_table())
    assert builder.stats.pages == 1
