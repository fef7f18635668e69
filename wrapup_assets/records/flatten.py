"""Flatten Genesys details pages into contract rows: page bytes in, sorted Arrow batches out.

The hot path decodes a page into typed structs that hold only the fields the contract reads
(msgspec skips the rest at parse time, and leaves non-agent participants' sessions as undecoded
bytes), walks each agent session once, appending its row's values to one list per column, and
converts about BATCH_ROWS rows at a time into one Arrow record batch. No dict or tuple is built per
row and no Python object per row outlives its batch; deduplication and sorting run in Arrow. Streamed
(`RecordsBuilder.sorted_batches`), an hour never sits in memory as a whole: see bench/README.md
for what that buys. On request (`workers`), a large input's pages are flattened in worker
processes (page_workers.py) and merged back as if read here.

A page that does not decode as a whole is decoded again conversation by conversation, so one bad
conversation is quarantined (with its JSON and the reason) while the rest of its page is kept.
The first page is also compared with the fields Genesys documents, to count unknown fields.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import NoReturn

import msgspec
import pyarrow as pa
import pyarrow.compute as pc

from wrapup_assets.records.deduplication import rows_to_keep
from wrapup_assets.records.details_model import (
    CONVERSATION_DECODER,
    DETAILS_PAGE_DECODER,
    Conversation,
    raw_conversations,
    readable_conversation_id,
)
from wrapup_assets.records.known_fields import unknown_field_paths
from wrapup_assets.records.page_workers import PageWorkers, available_workers
from wrapup_assets.records.quarantine import QuarantinedConversation
from wrapup_assets.records.schema import RECORD_SCHEMA, SORT_ORDER
from wrapup_assets.records.session_rows import MalformedConversation, RowColumns

BATCH_ROWS = 16_384
"""Rows per Arrow conversion and per streamed batch: big enough that per-call costs vanish, small
enough that the Python column lists of a batch stay ~15 MB. Measured on 500k conversations against
65,536: peak RSS 184 instead of 261 MiB, and ~8% faster (smaller sorts, fewer allocator misses)."""
PARALLEL_AFTER_PAGES = 500
"""sorted_batches() flattens this many pages (~50,000 conversations) itself before it starts worker
processes: starting them costs ~0.2 s of CPU each and every chunk a pickle each way, which a small
input never earns back (50,000 conversations with workers from page 100 on: 1.0 s, without: 0.65 s)."""
PAGES_PER_CHUNK = 20
"""Pages sent to a worker at once (~2,000 conversations, ~5 MB of JSON): large enough that pickling
and pipes cost little per page, small enough that the workers stay busy and memory stays bounded."""


@dataclass
class FlattenStats:
    """What happened to every conversation of the hour: the asset reports it as run metadata."""

    pages: int = 0
    conversations_seen: int = 0
    conversations_outside_window: int = 0
    conversations_open: int = 0
    conversations_without_agent_session: int = 0
    conversations_malformed: int = 0
    duplicate_rows_dropped: int = 0
    rows: int = 0
    unknown_fields: set[str] = field(default_factory=set)
    """Undocumented fields (`level.name`) on the first page: a sample, so the hot path stays typed."""

    def add_conversation_counts(self, other: "FlattenStats") -> None:
        """Add what another builder saw of its pages (a worker's chunk); rows are counted after dedup, here."""
        self.pages += other.pages
        self.conversations_seen += other.conversations_seen
        self.conversations_outside_window += other.conversations_outside_window
        self.conversations_open += other.conversations_open
        self.conversations_without_agent_session += other.conversations_without_agent_session
        self.conversations_malformed += other.conversations_malformed
        self.unknown_fields |= other.unknown_fields


class PagesOutOfOrderError(Exception):
    """A conversation starts before rows already streamed out: the pages are not in start order."""

    def __init__(self, conversation_id: str, start: datetime, emitted_below: datetime) -> None:
        super().__init__(
            f"conversation {conversation_id} starts at {start.isoformat()}, before {emitted_below.isoformat()}, "
            "whose earlier rows were already streamed: the pages are not in conversationStart order"
        )


class RecordsBuilder:
    """Turns the pages of one partition window into its deduplicated records, sorted by start then key.

    Used once per window, in one of two ways: add every page in the order it was read, then call
    finish() for the whole hour as one table (any page order); or pass the pages to
    sorted_batches(), which yields the same rows as sorted batches with memory bounded by a batch,
    as long as the pages come in conversationStart order (the details query's `orderBy`), and
    raises PagesOutOfOrderError as soon as they do not.

    `workers` is how many processes sorted_batches() may flatten pages in once an input proves
    large (PARALLEL_AFTER_PAGES): 1 (the default) for none, None for one per available core
    (capped). The rows, stats, quarantine and errors are the same either way. Workers pay off only
    when cores are free: on 500k conversations with a free second core they cut the wall time by
    ~20%, under contention they cost time, and they add ~76 MiB each (bench/README.md).
    """

    def __init__(
        self,
        window_start: datetime,
        window_end: datetime,
        code_labels: Mapping[str, str],
        *,
        workers: int | None = 1,
    ) -> None:
        if window_start.tzinfo is None or window_end.tzinfo is None:
            raise ValueError(f"window bounds must be tz-aware UTC datetimes, got {window_start!r}, {window_end!r}")
        if window_end <= window_start:
            raise ValueError(f"window end {window_end.isoformat()} is not after its start {window_start.isoformat()}")
        self.window_start = window_start
        self.window_end = window_end
        self.code_labels = code_labels
        self.workers = available_workers() if workers is None else workers
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1 (1 flattens in this process), got {self.workers}")
        self.stats = FlattenStats()
        self.quarantine: list[QuarantinedConversation] = []
        self._rows = RowColumns()
        self._batches: list[pa.RecordBatch] = []
        self._conversation_ordinals: list[pa.Array] = []
        self._this_page_floor: datetime | None = None
        self._page_start_floor: datetime | None = None
        """The earliest start among the last page's conversations: later pages start no earlier."""
        self._emitted_below: datetime | None = None
        """Every row starting before this instant has been handed out by sorted_batches()."""
        self._finished = False

    def add_page(self, page_json: bytes) -> None:
        """Flatten one page exactly as Genesys sent it; malformed conversations are quarantined, not fatal."""
        if self._finished:
            raise RuntimeError("RecordsBuilder.add_page called after finish(): a builder is used once")
        self.stats.pages += 1
        page_number = self.stats.pages
        if page_number == 1:
            self.stats.unknown_fields = unknown_field_paths(page_json)
        self._this_page_floor = None
        try:
            conversations = DETAILS_PAGE_DECODER.decode(page_json).conversations
        except msgspec.DecodeError:
            # Something on the page does not fit: find out whether it is the page or some conversations.
            self._add_conversations_one_by_one(page_json, page_number)
        else:
            malformed: list[tuple[int, str, str]] = []
            for position, conversation in enumerate(conversations, start=1):
                problem = self._add_conversation(conversation)
                if problem is not None:
                    malformed.append((position, conversation.conversation_id, problem))
            if malformed:
                self._quarantine_decoded(page_json, page_number, malformed)
        if self._this_page_floor is not None:
            self._page_start_floor = self._this_page_floor
        if len(self._rows) >= BATCH_ROWS:
            self._convert_rows()

    def sorted_batches(self, pages: Iterable[bytes]) -> Iterator[pa.RecordBatch]:
        """The window's records as sorted, deduplicated batches of about BATCH_ROWS rows, streamed.

        Rows are handed out once a later page shows that no conversation can start before them any
        more; the rows of the latest page wait, so a conversation read again on the next page
        (pages shift while they are read) is still deduplicated. A conversation that starts before
        rows already handed out raises PagesOutOfOrderError: the caller rebuilds with finish().

        Past PARALLEL_AFTER_PAGES pages (with more than one worker), the rest is flattened in
        worker processes, chunk by chunk, and merged back page by page in read order, so batches,
        deduplication and errors are exactly those of flattening here.
        """
        pages = iter(pages)
        serial_pages = PARALLEL_AFTER_PAGES if self.workers > 1 else None
        for page_json in islice(pages, serial_pages):
            self.add_page(page_json)
            if (bound := self._settled_bound(unmerged_rows=0)) is not None:
                yield from self._emit_rows_before(bound)
        if self.workers > 1:
            with PageWorkers(self.workers, self.window_start, self.window_end, self.code_labels) as workers:
                chunks = _page_chunks(pages, first_page_number=self.stats.pages + 1)
                for (_, chunk_pages), chunk_rows in workers.flatten_chunks(chunks):
                    yield from self._merge_chunk(chunk_pages, chunk_rows)
        yield from self.finish().to_batches()

    def _buffered_rows(self) -> int:
        return len(self._rows) + sum(batch.num_rows for batch in self._batches)

    def _settled_bound(self, unmerged_rows: int) -> datetime | None:
        """After a page: the start before which rows can be handed out, once a batch's worth waits
        (counting `unmerged_rows` of a worker's chunk not taken in yet); else None."""
        if self._buffered_rows() + unmerged_rows >= BATCH_ROWS:
            return self._page_start_floor
        return None

    def _emit_rows_before(self, bound: datetime) -> Iterator[pa.RecordBatch]:
        yield from self._take_rows(starting_before=bound).to_batches()
        self._emitted_below = bound

    def _merge_chunk(self, chunk_pages: list[bytes], chunk: "PageChunkRows") -> Iterator[pa.RecordBatch]:
        """Take in a worker's chunk as if its pages had been added here one by one: ordinals continue
        the builder's, and the order check and the emission decision run after each page."""
        self._convert_rows()
        ordinals = pc.add(chunk.ordinals, pa.scalar(self.stats.conversations_seen, pa.int64()))
        self.stats.add_conversation_counts(chunk.stats)
        self.quarantine += chunk.quarantine
        merged = 0
        pages = zip(chunk_pages, chunk.rows_through_page, chunk.page_floors, strict=True)
        for page_json, rows_through_page, page_floor in pages:
            if page_floor is not None:
                if self._emitted_below is not None and page_floor < self._emitted_below:
                    self._raise_out_of_order(page_json)
                self._page_start_floor = page_floor
            if (bound := self._settled_bound(unmerged_rows=rows_through_page - merged)) is not None:
                self._take_in(chunk.rows.slice(merged, rows_through_page - merged), ordinals[merged:rows_through_page])
                merged = rows_through_page
                yield from self._emit_rows_before(bound)
        self._take_in(chunk.rows.slice(merged), ordinals[merged:])

    def _take_in(self, rows: pa.Table, ordinals: pa.Array) -> None:
        if rows.num_rows:
            self._batches += rows.to_batches()
            self._conversation_ordinals.append(ordinals)

    def _raise_out_of_order(self, page_json: bytes) -> NoReturn:
        """Raise the PagesOutOfOrderError that flattening the page here raises: it names the first
        conversation in read order that starts too early, which the worker could not know."""
        probe = RecordsBuilder(self.window_start, self.window_end, self.code_labels, workers=1)
        probe._emitted_below = self._emitted_below
        probe.add_page(page_json)
        raise AssertionError("a page whose earliest start precedes the streamed rows did not raise")

    def _add_conversations_one_by_one(self, page_json: bytes, page_number: int) -> None:
        for position, raw_conversation in enumerate(raw_conversations(page_json, page_number), start=1):
            try:
                conversation = CONVERSATION_DECODER.decode(raw_conversation)
            except msgspec.DecodeError as error:
                self.stats.conversations_seen += 1
                conversation_id = readable_conversation_id(raw_conversation)
                self._quarantine(conversation_id, page_number, position, str(error), bytes(raw_conversation))
            else:
                problem = self._add_conversation(conversation)
                if problem is not None:
                    self._quarantine(
                        conversation.conversation_id, page_number, position, problem, bytes(raw_conversation)
                    )

    def _quarantine_decoded(self, page_json: bytes, page_number: int, malformed: list[tuple[int, str, str]]) -> None:
        """Quarantine conversations that decoded but break the contract, with their JSON as read;
        the page is decoded again only on this rare path."""
        as_read = raw_conversations(page_json, page_number)
        for position, conversation_id, problem in malformed:
            self._quarantine(conversation_id, page_number, position, problem, bytes(as_read[position - 1]))

    def _add_conversation(self, conversation: Conversation) -> str | None:
        """Add the conversation's rows; the reason it is malformed, or None."""
        stats = self.stats
        stats.conversations_seen += 1
        start = conversation.conversation_start
        if not self.window_start <= start < self.window_end:
            stats.conversations_outside_window += 1
            return None
        if self._emitted_below is not None and start < self._emitted_below:
            raise PagesOutOfOrderError(conversation.conversation_id, start, self._emitted_below)
        if self._this_page_floor is None or start < self._this_page_floor:
            self._this_page_floor = start
        end = conversation.conversation_end
        if end is None:
            stats.conversations_open += 1
            return None
        if end < start:
            return "conversationEnd is before conversationStart"
        try:
            rows_added = self._rows.add_conversation(conversation, stats.conversations_seen, self.code_labels)
        except MalformedConversation as malformed:
            return str(malformed)
        if not rows_added:
            stats.conversations_without_agent_session += 1
        return None

    def _quarantine(
        self, conversation_id: str | None, page_number: int, position: int, reason: str, conversation_json: bytes
    ) -> None:
        self.stats.conversations_malformed += 1
        self.quarantine.append(
            QuarantinedConversation(conversation_id, page_number, position, reason, conversation_json)
        )

    def _convert_rows(self) -> None:
        """Move the accumulated column lists into an Arrow batch (a few large conversions, not one per page)."""
        if len(self._rows):
            batch, ordinals = self._rows.to_batch()
            self._batches.append(batch)
            self._conversation_ordinals.append(ordinals)
            self._rows = RowColumns()

    def _take_rows(self, starting_before: datetime | None) -> pa.Table:
        """Remove the rows starting before the bound (all rows when None) and return them
        deduplicated (the later read of a conversation wins) and sorted by start, then key."""
        self._convert_rows()
        if not self._batches:
            return RECORD_SCHEMA.empty_table()
        table = pa.Table.from_batches(self._batches, schema=RECORD_SCHEMA)
        ordinals = pa.chunked_array(self._conversation_ordinals, pa.int64())
        self._batches = []
        self._conversation_ordinals = []
        if starting_before is not None:
            before = pc.less(table["interaction_timestamp"], pa.scalar(starting_before, RECORD_SCHEMA.field(0).type))
            later = pc.invert(before)
            self._batches = table.filter(later).combine_chunks().to_batches()
            self._conversation_ordinals = [ordinals.filter(later).combine_chunks()]
            table = table.filter(before)
            ordinals = ordinals.filter(before)
        keep = rows_to_keep(table, ordinals)
        if keep is not None:
            self.stats.duplicate_rows_dropped += table.num_rows - len(keep)
            table = table.take(keep)
        table = table.sort_by(SORT_ORDER).combine_chunks()
        self.stats.rows += table.num_rows
        return table

    def finish(self) -> pa.Table:
        """The rows not handed out yet, deduplicated (the later read of a conversation wins) and sorted
        by start, then key: the whole window when the pages were added with add_page()."""
        if self._finished:
            raise RuntimeError("RecordsBuilder.finish called twice: a builder is used once")
        self._finished = True
        return self._take_rows(starting_before=None)


@dataclass
class PageChunkRows:
    """A chunk of pages flattened in a worker process: rows in read order, not yet deduplicated or
    sorted, with what the parent needs to merge them as if it had read the pages itself."""

    rows: pa.Table
    ordinals: pa.Array
    """Per row, its conversation's read ordinal counted from the chunk's start (1-based)."""
    rows_through_page: list[int]
    """Per page, the number of the chunk's rows up to and including that page."""
    page_floors: list[datetime | None]
    """Per page, the earliest start of its in-window conversations (None when it has none)."""
    stats: FlattenStats
    quarantine: list[QuarantinedConversation]


def flatten_page_chunk(
    window_start: datetime,
    window_end: datetime,
    code_labels: Mapping[str, str],
    first_page_number: int,
    pages: list[bytes],
) -> PageChunkRows:
    """Flatten consecutive pages of a window, the first being page `first_page_number` (the
    worker side of RecordsBuilder.sorted_batches; quarantine entries carry the real page numbers)."""
    builder = RecordsBuilder(window_start, window_end, code_labels, workers=1)
    builder.stats.pages = first_page_number - 1
    rows_through_page: list[int] = []
    page_floors: list[datetime | None] = []
    for page_json in pages:
        builder.add_page(page_json)
        rows_through_page.append(builder._buffered_rows())
        page_floors.append(builder._this_page_floor)
    builder._convert_rows()
    builder.stats.pages = len(pages)
    return PageChunkRows(
        rows=pa.Table.from_batches(builder._batches, schema=RECORD_SCHEMA),
        ordinals=pa.chunked_array(builder._conversation_ordinals, pa.int64()).combine_chunks(),
        rows_through_page=rows_through_page,
        page_floors=page_floors,
        stats=builder.stats,
        quarantine=builder.quarantine,
    )


def _page_chunks(pages: Iterator[bytes], first_page_number: int) -> Iterator[tuple[int, list[bytes]]]:
    """The pages in chunks of PAGES_PER_CHUNK, each with the number of its first page."""
    page_number = first_page_number
    while chunk := list(islice(pages, PAGES_PER_CHUNK)):
        yield page_number, chunk
        page_number += len(chunk)


def flatten_pages(
    pages: Iterable[bytes], window_start: datetime, window_end: datetime, code_labels: Mapping[str, str]
) -> tuple[pa.Table, FlattenStats]:
    """One call for callers that already hold an hour's pages (tests, replay from raw pages)."""
    builder = RecordsBuilder(window_start, window_end, code_labels)
    for page_json in pages:
        builder.add_page(page_json)
    table = builder.finish()
    return table, builder.stats
