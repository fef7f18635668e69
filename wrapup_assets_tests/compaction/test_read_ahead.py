"""The background read-ahead both compaction passes consume: same items in order, the producer's
error raised where it happened, bounded, and stopped (its source closed) when the consumer stops."""

import itertools
import threading
import time
from collections.abc import Iterator

import pytest

from wrapup_assets.records.read_ahead import read_ahead


def test_items_arrive_in_order_and_a_producer_error_is_raised_after_the_items_before_it():
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("file 3 is corrupt")

    received = []
    with pytest.raises(ValueError, match="file 3 is corrupt"):
        for item in read_ahead(source(), depth=1):
            received.append(item)
    assert received == [1, 2]


def test_the_producer_stays_within_depth_and_stops_with_its_source_closed_when_the_consumer_leaves():
    produced = itertools.count()
    closed = threading.Event()

    def endless() -> Iterator[int]:
        try:
            while True:
                yield next(produced)
        finally:
            closed.set()

    items = read_ahead(endless(), depth=2, name="test-read-ahead")
    assert next(items) == 0
    time.sleep(0.3)  # ample time to run away if the queue did not bound it
    assert next(produced) <= 1 + 2 + 1 + 1  # consumed, queued, the one blocked in put, this call
    items.close()
    assert closed.is_set()
    assert not any(thread.name == "test-read-ahead" for thread in threading.enumerate())
