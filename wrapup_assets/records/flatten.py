"""Flatten Genesys details pages into contract rows: page bytes in, sorted Arrow batches out.

RecordsBuilder is the entry point: the rows of a window (window_rows.py) handed out as sorted,
deduplicated batches while the pages stream in, so an hour never sits in memory as a whole (see
bench/README.md for what that buys). On request (`workers`), a large input's pages are flattened in
worker processes (page_workers.py, page_chunks.py) and merged back as if read here.
"""

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from itertools import islice
from typing import NoReturn

import pyarrow as pa
import pyarrow.compute as pc

from wrapup_assets.records.page_chunks import PageChunkRows, page_chunks
from wrapup_assets.records.page_workers import PageWorkers, available_workers
from wrapup_assets.records.window_rows import WindowRows

PARALLEL_AFTER_PAGES = 500
"""sorted_batches() flattens this many pages (~50,000 conversations) itself before it starts worker
processes: starting them costs ~0.2 s of CPU each and every chunk a pickle each way, which a small
input never earns back (50,000 conversations with workers from page 100 on: 1.0 s, without: 0.65 s)."""


class RecordsBuilder(WindowRows):
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
        super().__init__(window_start, window_end, code_labels)
        self.workers = available_workers() if workers is None else workers
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1 (1 flattens in this process), got {self.workers}")
        self._page_start_floor: datetime | None = None
        """The earliest start among the last page's conversations: later pages start no earlier."""

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
            if self.last_page_floor is not None:
                self._page_start_floor = self.last_page_floor
            if (bound := self._settled_bound(unmerged_rows=0)) is not None:
                yield from self.take_rows_before(bound).to_batches()
        if self.workers > 1:
            with PageWorkers(self.workers, self.window_start, self.window_end, self.code_labels) as workers:
                chunks = page_chunks(pages, first_page_number=self.stats.pages + 1)
                for (_, chunk_pages), chunk_rows in workers.flatten_chunks(chunks):
                    yield from self._merge_chunk(chunk_pages, chunk_rows)
        yield from self.finish().to_batches()

    def _settled_bound(self, unmerged_rows: int) -> datetime | None:
        """After a page: the start before which rows can be handed out, once a batch's worth waits
        (counting `unmerged_rows` of a worker's chunk not taken in yet); else None."""
        if self.batch_waits(unmerged_rows):
            return self._page_start_floor
        return None

    def _merge_chunk(self, chunk_pages: list[bytes], chunk: PageChunkRows) -> Iterator[pa.RecordBatch]:
        """Take in a worker's chunk as if its pages had been added here one by one: ordinals continue
        the builder's, and the order check and the emission decision run after each page."""
        ordinals = pc.add(chunk.ordinals, pa.scalar(self.stats.conversations_seen, pa.int64()))
        self.stats.add_conversation_counts(chunk.stats)
        self.quarantine += chunk.quarantine
        merged = 0
        pages = zip(chunk_pages, chunk.rows_through_page, chunk.page_floors, strict=True)
        for page_json, rows_through_page, page_floor in pages:
            if page_floor is not None:
                if self.emitted_below is not None and page_floor < self.emitted_below:
                    self._raise_out_of_order(page_json)
                self._page_start_floor = page_floor
            if (bound := self._settled_bound(unmerged_rows=rows_through_page - merged)) is not None:
                self.take_in(chunk.rows.slice(merged, rows_through_page - merged), ordinals[merged:rows_through_page])
                merged = rows_through_page
                yield from self.take_rows_before(bound).to_batches()
        self.take_in(chunk.rows.slice(merged), ordinals[merged:])

    def _raise_out_of_order(self, page_json: bytes) -> NoReturn:
        """Raise the PagesOutOfOrderError that flattening the page here raises: it names the first
        conversation in read order that starts too early, which the worker could not know."""
        probe = WindowRows(self.window_start, self.window_end, self.code_labels)
        probe.emitted_below = self.emitted_below
        probe.add_page(page_json)
        raise AssertionError("a page whose earliest start precedes the streamed rows did not raise")
