"""Pages sorted into hours on local disk, for a fetch whose results arrive in no particular hour order.

A details job returns a whole range at once; each hour must still be published on its own, and the
range must never sit in memory. The spool keeps one zstd-compressed JSON Lines file per hour in a
temporary directory: appending a page costs one page of memory, and each hour is read back as a
stream when its partition is written. At most `OPEN_WRITERS` hours have a compressor open at a
time (each holds a few MB of zstd state: a week of hours open at once cost ~200 MB); a page of
another hour closes the least recently used one, and reopening appends a new zstd frame to its
file (a file of several frames reads back as one stream).
"""

from __future__ import annotations

import tempfile
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from types import TracebackType

import pyarrow as pa

from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.page_files import iter_page_lines

OPEN_WRITERS = 4


class HourPageSpool:
    """One spool file per hour key; `add` while fetching, `finish`, then `iter_pages` per hour, then `close`."""

    def __init__(self, hour_keys: Sequence[str], directory: str | None = None) -> None:
        self._temporary = tempfile.TemporaryDirectory(prefix="wrapup-hour-spool-", dir=directory)
        self._location = LakeLocation.from_url(self._temporary.name)
        self._paths = {key: self._location.join(f"{index:04d}.jsonl.zst") for index, key in enumerate(hour_keys)}
        self._writers: OrderedDict[str, pa.CompressedOutputStream] = OrderedDict()
        self._pages = dict.fromkeys(hour_keys, 0)
        self._finished = False

    def __enter__(self) -> HourPageSpool:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    @property
    def hour_keys(self) -> list[str]:
        """The hours this spool sorts pages into, in the order given."""
        return list(self._paths)

    def add(self, hour_key: str, page: bytes) -> None:
        """Append one page (compact single-line JSON) to the hour's file."""
        if self._finished:
            raise RuntimeError("HourPageSpool.add called after finish()")
        if hour_key not in self._paths:
            raise KeyError(f"hour {hour_key} is not one of this spool's {len(self._paths)} hours")
        if b"\n" in page:
            raise ValueError(f"a page of hour {hour_key} contains a raw newline; pass compact single-line JSON")
        writer = self._writers.get(hour_key)
        if writer is None:
            if len(self._writers) == OPEN_WRITERS:
                _, least_recent = self._writers.popitem(last=False)
                least_recent.close()
            writer = pa.CompressedOutputStream(pa.OSFile(self._paths[hour_key], "ab"), "zstd")
            self._writers[hour_key] = writer
        self._writers.move_to_end(hour_key)
        writer.write(page)
        writer.write(b"\n")
        self._pages[hour_key] += 1

    def finish(self) -> None:
        """Close every hour's file; the spool is read from now on."""
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
        self._finished = True

    def page_count(self, hour_key: str) -> int:
        """Pages spooled for the hour."""
        return self._pages[hour_key]

    def iter_pages(self, hour_key: str) -> Iterator[bytes]:
        """The hour's pages in the order they were added (none for an hour that got no page)."""
        if not self._finished:
            raise RuntimeError("HourPageSpool.iter_pages called before finish()")
        if self._pages[hour_key] == 0:
            return iter(())
        return iter_page_lines(self._location, self._paths[hour_key])

    def close(self) -> None:
        """Delete the spooled files."""
        for writer in self._writers.values():
            if not writer.closed:
                writer.close()
        self._temporary.cleanup()
