"""Pages flattened in worker processes give exactly what flattening in one process gives: the same
batches, stats, quarantine and errors. Small inputs force the workers on through the records
modules' thresholds (the workers' own BATCH_ROWS does not change what they return)."""

import os
import signal
from pathlib import Path

import msgspec
import pytest

from wrapup_assets.records import flatten, page_chunks, window_rows
from wrapup_assets.records.details_model import MalformedPageError
from wrapup_assets.records.flatten import RecordsBuilder
from wrapup_assets.records.page_workers import PageWorkerDied
from wrapup_assets.records.window_rows import PagesOutOfOrderError
from wrapup_assets_tests.records.test_streaming import HOUR, HOUR_END, PAGE_SIZE, values


@pytest.fixture(autouse=True)
def workers_on_small_inputs(monkeypatch):
    """Batches of 300 rows, two pages flattened here, then chunks of three pages in the workers."""
    monkeypatch.setattr(window_rows, "BATCH_ROWS", 300)
    monkeypatch.setattr(flatten, "PARALLEL_AFTER_PAGES", 2)
    monkeypatch.setattr(page_chunks, "PAGES_PER_CHUNK", 3)


def broken_conversations(conversations: list[dict]) -> list[dict]:
    """The hour with a few conversations that must be quarantined, spread over several chunks."""
    broken = [dict(conversation) for conversation in conversations]
    broken[7]["conversationStart"] = "2024-05-01T14:00:07"  # naive: no offset
    broken[480]["conversationEnd"] = "2024-05-01T13:00:00.000Z"  # ends before it starts
    broken[1210]["conversationStart"] = "at two"
    del broken[1777]["conversationId"]
    return broken


def pages_of(conversations: list[dict], shift: int = 0) -> list[bytes]:
    """Pages as read; with `shift`, every page after the first repeats the previous page's last
    `shift` conversations (they moved while paging)."""
    pages, first = [], 0
    while first < len(conversations):
        pages.append(msgspec.json.encode({"conversations": conversations[first : first + PAGE_SIZE]}))
        first += PAGE_SIZE - shift
    return pages


def streamed(pages: list[bytes], labels: dict[str, str], workers: int):
    builder = RecordsBuilder(HOUR, HOUR_END, labels, workers=workers)
    return list(builder.sorted_batches(pages)), builder


def page_worker_children() -> list[int]:
    """Process IDs of this process's records page workers still alive."""
    children = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            command = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields["PPid"]) == os.getpid() and b"wrapup_assets.records.page_workers" in command:
            children.append(int(fields["Pid"]))
    return children


@pytest.mark.parametrize("shift", [0, 3])
def test_workers_give_the_batches_stats_and_quarantine_of_one_process(conversations, labels, shift):
    pages = pages_of(broken_conversations(conversations), shift=shift)

    serial_batches, serial = streamed(pages, labels, workers=1)
    parallel_batches, parallel = streamed(pages, labels, workers=2)

    assert [batch.num_rows for batch in parallel_batches] == [batch.num_rows for batch in serial_batches]
    assert len(serial_batches) > 3
    assert values(parallel_batches).equals(values(serial_batches))
    assert parallel.stats == serial.stats
    assert parallel.stats.conversations_malformed == 4
    assert (parallel.stats.duplicate_rows_dropped > 0) == (shift > 0)
    assert parallel.quarantine == serial.quarantine
    assert page_worker_children() == []


def test_quarantine_entries_carry_the_page_numbers_of_the_whole_input(conversations, labels):
    _, parallel = streamed(pages_of(broken_conversations(conversations)), labels, workers=2)

    assert [(item.page_number, item.position_on_page, item.reason) for item in parallel.quarantine] == [
        (1, 8, "Expected `datetime` with a timezone component - at `$.conversationStart`"),
        (10, 31, "conversationEnd is before conversationStart"),
        (25, 11, "Invalid RFC3339 encoded datetime - at `$.conversationStart`"),
        (36, 28, "Object missing required field `conversationId`"),
    ]


def test_pages_out_of_start_order_raise_the_same_error_from_worker_chunks(conversations, labels):
    pages = pages_of(conversations)
    shuffled = pages[:12] + pages[20:] + pages[12:20]

    with pytest.raises(PagesOutOfOrderError) as serial_error:
        streamed(shuffled, labels, workers=1)
    with pytest.raises(PagesOutOfOrderError) as parallel_error:
        streamed(shuffled, labels, workers=2)

    assert str(parallel_error.value) == str(serial_error.value)
    assert page_worker_children() == []


def test_a_malformed_page_in_a_worker_chunk_raises_naming_the_page(conversations, labels):
    pages = pages_of(conversations)
    pages[6] = b'{"conversations": [{"conversationId": "trunc'

    with pytest.raises(MalformedPageError, match=r"^details page 7 is malformed: invalid JSON") as raised:
        streamed(pages, labels, workers=2)

    assert raised.value.page_number == 7
    assert page_worker_children() == []


def test_a_worker_that_dies_fails_the_stream_naming_it(conversations, labels):
    batches = RecordsBuilder(HOUR, HOUR_END, labels, workers=2).sorted_batches(pages_of(conversations))
    next(batches)
    workers = page_worker_children()
    for pid in workers:
        os.kill(pid, signal.SIGKILL)

    with pytest.raises(
        PageWorkerDied, match=rf"records page worker ({'|'.join(map(str, workers))}) exited with code -9"
    ):
        list(batches)

    assert page_worker_children() == []


def test_abandoned_stream_stops_its_workers(conversations, labels):
    batches = RecordsBuilder(HOUR, HOUR_END, labels, workers=2).sorted_batches(pages_of(conversations))
    next(batches)
    assert page_worker_children() != []

    batches.close()

    assert page_worker_children() == []


def test_by_default_pages_are_flattened_in_this_process(conversations, labels):
    batches = RecordsBuilder(HOUR, HOUR_END, labels).sorted_batches(pages_of(conversations))
    next(batches)

    assert page_worker_children() == []
    batches.close()


def test_fewer_than_one_worker_is_rejected():
    with pytest.raises(ValueError, match="workers must be at least 1"):
        RecordsBuilder(HOUR, HOUR_END, {}, workers=0)
