"""Raw API pages as one zstd-compressed JSON Lines file per partition, written and read as streams."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

import pyarrow as pa

from wrapup_assets.lake.crash_points import crash_point
from wrapup_assets.lake.errors import CorruptPageFileError
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.manifest import ManifestFile
from wrapup_assets.lake.publish import StagedPartition

PAGES_FILE_NAME = "pages.jsonl.zst"
_READ_CHUNK_BYTES = 1 << 20


def write_pages(pages: Iterable[bytes], staged: StagedPartition) -> ManifestFile:
    """Stream pages into pages.jsonl.zst, one JSON document per line, without holding them all.

    Each page must be a single line of JSON (compact encoding): a raw newline inside a page would
    split it in two on replay, so it is rejected here rather than discovered then.
    """
    count = 0
    with staged.open_output_stream(PAGES_FILE_NAME) as raw, pa.CompressedOutputStream(raw, "zstd") as out:
        for page in pages:
            if b"\n" in page:
                raise ValueError(
                    f"{staged.partition.dataset} partition {staged.partition.key}: page {count} contains a raw "
                    f"newline; pass compact single-line JSON"
                )
            out.write(page)
            out.write(b"\n")
            count += 1
            crash_point("page_written", staged.partition.dataset)
    return staged.add_file(PAGES_FILE_NAME, rows=count)


def iter_page_lines(location: LakeLocation, path: str) -> Iterator[bytes]:
    """The pages of a pages.jsonl.zst file, one at a time, decompressed as a stream (bounded memory).

    Lines are split by io.BufferedReader (in C: one copy per line; splitting joined chunks in
    Python cost ~0.5 s more per 1.3 GB). A truncated or corrupt file raises CorruptPageFileError
    naming the file, never a silent short read.
    """
    shown = location.display_path(path)
    try:
        with location.filesystem.open_input_stream(path, compression="zstd") as stream:
            for line in io.BufferedReader(stream, buffer_size=_READ_CHUNK_BYTES):
                if not line.endswith(b"\n"):
                    raise CorruptPageFileError(f"{shown} is truncated: its last line has no newline")
                yield line[:-1]
    except (FileNotFoundError, CorruptPageFileError):
        raise
    except (OSError, pa.ArrowInvalid) as error:
        raise CorruptPageFileError(f"{shown} is truncated or corrupt: {error}") from error
