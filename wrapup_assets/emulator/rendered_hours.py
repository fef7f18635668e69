"""Hours rendered once: every conversation of an hour as the details API shows it once it has ended,
kept on disk so that later requests, and later emulators, never plan or render it again.

A conversation that has ended by the clock renders the same whatever the clock, so an hour whose
conversations have all ended (`is_settled`) is served from its file: one Arrow IPC file per
(seed, volume, hour) holding each conversation's start and end (for selecting) and its JSON,
zstd-compressed in blocks of BLOCK_CONVERSATIONS, read through a memory map one block at a time.
At 500,000 conversations an hour that is about 1.3 GB of JSON in a file of about 100 MB.

The directory is `EmulatorConfig.render_cache_dir`, else WRAPUP_EMULATOR_CACHE_DIR, else
`wrapup-emulator-cache` under the system temp directory. Files sit under a version named after a
hash of the code that generates and renders conversations, so a changed generator never reads an
old file. Several processes may share the directory: a file is written under a unique temporary
name and renamed into place, so readers see a whole file or none (two writers write the same bytes).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import os
import tempfile
import threading
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa

from wrapup_assets.emulator import generator, instants, model, organization, rendering
from wrapup_assets.emulator.conversation_json import conversation_json
from wrapup_assets.emulator.gc_pause import cyclic_gc_paused
from wrapup_assets.emulator.generator import MAX_CONVERSATION_DURATION_MS, generate_hour
from wrapup_assets.emulator.instants import HOUR_MS, iso_ms
from wrapup_assets.emulator.rendering import render_conversation

CACHE_DIR_VARIABLE = "WRAPUP_EMULATOR_CACHE_DIR"
BLOCK_CONVERSATIONS = 1000
BLOCKS_KEPT_DECOMPRESSED = 4
FILE_FORMAT = "arrow-ipc-zstd-1"
SCHEMA = pa.schema([("start_ms", pa.int64()), ("end_ms", pa.int64()), ("conversation_json", pa.binary())])
_CODE_THAT_SHAPES_THE_JSON = (generator, instants, model, organization, rendering)


def cache_directory(configured: str | None, environ: Mapping[str, str] = os.environ) -> Path:
    """Where rendered hours live: the configured directory, else the variable, else under temp."""
    chosen = configured or environ.get(CACHE_DIR_VARIABLE, "").strip()
    return Path(chosen) if chosen else Path(tempfile.gettempdir()) / "wrapup-emulator-cache"


@functools.cache
def renderer_version() -> str:
    """A hash of the file format and of the source of every module that shapes a conversation's JSON."""
    digest = hashlib.sha256(FILE_FORMAT.encode())
    for module in _CODE_THAT_SHAPES_THE_JSON:
        digest.update(inspect.getsource(module).encode())
    return digest.hexdigest()[:16]


def is_settled(hour_start_ms: int, now_ms: int) -> bool:
    """Whether every conversation that started in the hour has ended by the clock."""
    return hour_start_ms + HOUR_MS + MAX_CONVERSATION_DURATION_MS <= now_ms


def hour_path(directory: Path, seed: int, conversations_per_hour: int, hour_start_ms: int) -> Path:
    """The file of one hour of one configuration."""
    hour = iso_ms(hour_start_ms)[:13]
    return directory / renderer_version() / f"seed-{seed}-per-hour-{conversations_per_hour}" / f"{hour}.arrow"


class RenderedHour:
    """One hour's conversations in (start, id) order: starts and ends for selecting, JSON by index."""

    def __init__(self, path: Path) -> None:
        self._reader = pa.ipc.open_file(pa.memory_map(str(path)))
        bounds = pa.ipc.open_file(
            pa.memory_map(str(path)), options=pa.ipc.IpcReadOptions(included_fields=[0, 1])
        ).read_all()
        self.starts: pa.Int64Array = bounds["start_ms"].combine_chunks()
        self.ends: pa.Int64Array = bounds["end_ms"].combine_chunks()
        self._block = functools.lru_cache(maxsize=BLOCKS_KEPT_DECOMPRESSED)(self._decompressed_block)

    def __len__(self) -> int:
        return len(self.starts)

    def conversations_json(self, indices: Sequence[int]) -> list[bytes]:
        """The JSON of the conversations at these positions, in that order."""
        return [self._block(index // BLOCK_CONVERSATIONS)[index % BLOCK_CONVERSATIONS] for index in indices]

    def _decompressed_block(self, block: int) -> list[bytes]:
        return self._reader.get_batch(block)["conversation_json"].to_pylist()


def write_hour(path: Path, seed: int, conversations_per_hour: int, hour_start_ms: int) -> None:
    """Plans and renders the hour into `path` (via a temporary name, so the file appears whole)."""
    settled_ms = hour_start_ms + HOUR_MS + MAX_CONVERSATION_DURATION_MS
    plans = generate_hour(seed, conversations_per_hour, hour_start_ms)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.partial")
    try:
        options = pa.ipc.IpcWriteOptions(compression="zstd")
        with (
            cyclic_gc_paused(),
            pa.OSFile(str(partial), "wb") as sink,
            pa.ipc.new_file(sink, SCHEMA, options=options) as writer,
        ):
            for first in range(0, len(plans), BLOCK_CONVERSATIONS):
                block = plans[first : first + BLOCK_CONVERSATIONS]
                late = [plan.conversation_id for plan in block if plan.end_ms > settled_ms]
                if late:
                    raise RuntimeError(
                        f"conversations {late} of hour {iso_ms(hour_start_ms)} last longer than "
                        f"MAX_CONVERSATION_DURATION_MS: the generator broke its own bound"
                    )
                writer.write_batch(
                    pa.record_batch(
                        [
                            pa.array([plan.start_ms for plan in block], pa.int64()),
                            pa.array([plan.end_ms for plan in block], pa.int64()),
                            pa.array([conversation_json(render_conversation(plan, settled_ms)) for plan in block]),
                        ],
                        schema=SCHEMA,
                    )
                )
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


class RenderedHours:
    """The rendered hours of one configuration: opened from the cache directory, written there
    first when missing (one hour at a time per process: an hour of 500,000 plans takes 2 GB)."""

    def __init__(self, directory: Path, seed: int, conversations_per_hour: int, hours_kept_open: int = 32) -> None:
        self.directory = directory
        self._seed = seed
        self._conversations_per_hour = conversations_per_hour
        self._writing = threading.Lock()
        self._hour = functools.lru_cache(maxsize=hours_kept_open)(self._open_or_write)

    def hour(self, hour_start_ms: int) -> RenderedHour:
        """The rendered hour starting at `hour_start_ms`."""
        return self._hour(hour_start_ms)

    def _open_or_write(self, hour_start_ms: int) -> RenderedHour:
        path = hour_path(self.directory, self._seed, self._conversations_per_hour, hour_start_ms)
        if not path.exists():
            with self._writing:
                if not path.exists():
                    write_hour(path, self._seed, self._conversations_per_hour, hour_start_ms)
        return RenderedHour(path)
