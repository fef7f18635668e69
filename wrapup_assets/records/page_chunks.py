"""Pages flattened a chunk at a time in a worker process, for the builder to merge back in read order.

A chunk's rows come back neither deduplicated nor sorted, with what the builder needs to take them
in as if it had read the pages itself: per page, how many rows it ends at and its earliest start.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

import pyarrow as pa

from wrapup_assets.records.quarantine import QuarantinedConversation
from wrapup_assets.records.window_rows import FlattenStats, WindowRows

PAGES_PER_CHUNK = 20
"""Pages sent to a worker at once (~2,000 conversations, ~5 MB of JSON): large enough that pickling
and pipes cost little per page, small enough that the workers stay busy and memory stays bounded."""

PageChunk = tuple[int, list[bytes]]
"""A chunk of consecutive pages: the number of its first page, and the pages."""


def page_chunks(pages: Iterator[bytes], first_page_number: int) -> Iterator[PageChunk]:
    """The pages in chunks of PAGES_PER_CHUNK, each with the number of its first page."""
    page_number = first_page_number
    while chunk := list(islice(pages, PAGES_PER_CHUNK)):
        yield page_number, chunk
        page_number += len(chunk)


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
    window_rows = WindowRows(window_start, window_end, code_labels)
    window_rows.stats.pages = first_page_number - 1
    rows_through_page: list[int] = []
    page_floors: list[datetime | None] = []
    for page_json in pages:
        window_rows.add_page(page_json)
        rows_through_page.append(window_rows.buffered_rows())
        page_floors.append(window_rows.last_page_floor)
    rows, ordinals = window_rows.unsorted_rows()
    window_rows.stats.pages = len(pages)
    return PageChunkRows(
        rows=rows,
        ordinals=ordinals,
        rows_through_page=rows_through_page,
        page_floors=page_floors,
        stats=window_rows.stats,
        quarantine=window_rows.quarantine,
    )
