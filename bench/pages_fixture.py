"""Held-out details pages for benchmarks: an hour of the emulator's synthetic conversations, rendered
once as the details query returns them (100 per page, compact JSON) into a pages.jsonl.zst file
under /tmp, and reused by every later run with the same volume.

The pages are what the emulator serves for the peak hour (14:00 UTC, where the diurnal share is
1, so `conversations` is exactly the hour's count), viewed from a clock after every conversation
ended, so each one is complete.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pyarrow as pa

from wrapup_assets.emulator.generator import plan_hour
from wrapup_assets.emulator.instants import DAY_MS, to_ms
from wrapup_assets.emulator.organization import organization_for_seed
from wrapup_assets.emulator.rendering import render_conversation, without_empty

BENCH_DIR = Path("/tmp/wrapup-bench")
BENCH_HOUR = datetime(2024, 5, 1, 14, tzinfo=UTC)
BENCH_SEED = 7
PAGE_SIZE = 100


def pages_path(conversations: int) -> Path:
    """Where the pages of a volume live (generated on first use)."""
    return BENCH_DIR / f"pages-{conversations}" / "pages.jsonl.zst"


def code_labels() -> dict[str, str]:
    """The catalog labels of the benchmark seed, as the raw partition's wrapup_codes.json holds them."""
    return {code.code_id: code.name for code in organization_for_seed(BENCH_SEED).codes}


def render_pages(conversations: int) -> Iterator[bytes]:
    """The hour's details pages as compact JSON, in the order the details query returns them."""
    hour_ms = to_ms(BENCH_HOUR)
    now_ms = hour_ms + DAY_MS
    plans = plan_hour(BENCH_SEED, conversations, hour_ms)
    encoder = msgspec.json.Encoder()
    for first in range(0, len(plans), PAGE_SIZE):
        page = [render_conversation(plan, now_ms) for plan in plans[first : first + PAGE_SIZE]]
        yield encoder.encode(without_empty({"conversations": page, "totalHits": len(plans)}))


def ensure_pages(conversations: int) -> Path:
    """The pages file of a volume, generated now if it is not there yet."""
    path = pages_path(conversations)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with pa.CompressedOutputStream(str(partial), "zstd") as out:
        for page in render_pages(conversations):
            out.write(page + b"\n")
    partial.rename(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("conversations", type=int, nargs="+")
    for conversations in parser.parse_args().conversations:
        began = time.perf_counter()
        path = ensure_pages(conversations)
        print(
            f"{conversations} conversations: {path} ({path.stat().st_size / 1e6:.1f} MB zstd, "
            f"{time.perf_counter() - began:.1f} s)"
        )


if __name__ == "__main__":
    main()
