"""An hour's records spooled to a local Arrow IPC stream between building them and publishing them.

The blocking checks must pass before the IO manager publishes, and the IO manager publishes what it
writes, so the hour's rows must be kept somewhere between the two. Held as one table, a
500,000-conversation hour costs a few hundred MB on top of the build; spooled, memory stays at one
batch whatever the hour's size, for the price of writing and reading the rows once more on local
disk (LZ4-compressed Arrow, no re-encoding). The spool is read with plain reads, not memory-mapped:
mapped pages would count as the process's resident memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from wrapup_assets.records.flatten import RecordsBuilder
from wrapup_assets.records.schema import RECORD_SCHEMA
from wrapup_assets.records.window_rows import PagesOutOfOrderError

_SPOOL_OPTIONS = pa.ipc.IpcWriteOptions(compression="lz4")


@dataclass(frozen=True)
class SpooledRecords:
    """Sorted, deduplicated records written to `path`; read them as often as needed."""

    path: Path
    rows: int

    def batches(self) -> Iterator[pa.RecordBatch]:
        with pa.OSFile(str(self.path)) as source:
            yield from pa.ipc.open_stream(source)

    def reader(self) -> pa.RecordBatchReader:
        """The records as a single-use stream, for the IO manager's Parquet writer."""
        return pa.RecordBatchReader.from_batches(RECORD_SCHEMA, self.batches())


def spool_records(
    open_pages: Callable[[], Iterable[bytes]],
    window_start: datetime,
    window_end: datetime,
    code_labels: Mapping[str, str],
    path: Path,
    workers: int = 1,
) -> tuple[SpooledRecords, RecordsBuilder]:
    """The window's records written to `path`, and the builder that made them (stats, quarantine).

    Streams the pages in start order; pages that turn out not to be (a tool that wrote them in
    another order) are read again through `open_pages`, sorted as a whole window, and spooled anew.
    `workers` > 1 lets a large window's pages be flattened in that many processes.
    """
    builder = RecordsBuilder(window_start, window_end, code_labels, workers=workers)
    try:
        return _write(builder.sorted_batches(open_pages()), path), builder
    except PagesOutOfOrderError:
        builder = RecordsBuilder(window_start, window_end, code_labels)
        for page_json in open_pages():
            builder.add_page(page_json)
        return _write(builder.finish().to_batches(), path), builder


def _write(batches: Iterable[pa.RecordBatch], path: Path) -> SpooledRecords:
    rows = 0
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, RECORD_SCHEMA, options=_SPOOL_OPTIONS) as writer:
        for batch in batches:
            writer.write_batch(batch)
            rows += batch.num_rows
    return SpooledRecords(path, rows)
