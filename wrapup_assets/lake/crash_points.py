"""Test-only kill points: SIGKILL this process at a named step of a lake write.

The crash-safety tests run a real materialization in a subprocess with
``WRAPUP_LAKE_TEST_KILL_AT=<point>[@<dataset>][:<n>]`` (the n-th time, default the first, that the
point is reached, while writing that dataset if named) and check what a SIGKILL there leaves
published. Never set it outside tests: the process dies without
cleanup, which is exactly what the tests want to see survived. Unset, a point costs one lookup.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

KILL_AT_ENV_VAR = "WRAPUP_LAKE_TEST_KILL_AT"

POINTS = (
    "page_written",  # a raw page went into pages.jsonl.zst (the page stream)
    "part_file_closed",  # a Parquet part file was finished, the next not yet begun
    "files_staged",  # every file is staged, the manifest is not written
    "data_file_copied",  # S3: a staged file was copied to its final key, the manifest is not written
    "partition_moved_aside",  # local: the old partition directory was renamed away, the new one not yet in
    "manifest_published",  # the new manifest is published, stale files are not yet removed
)

_reached: Counter[str] = Counter()


def crash_point(point: str, dataset: str) -> None:
    """Kill this process with SIGKILL when the test environment names this point (dataset, count)."""
    wanted = os.environ.get(KILL_AT_ENV_VAR)
    if not wanted:
        return
    target, _, count = wanted.partition(":")
    name, _, wanted_dataset = target.partition("@")
    if name not in POINTS:
        raise ValueError(f"{KILL_AT_ENV_VAR}={wanted!r} names no kill point; known: {', '.join(POINTS)}")
    if name != point or wanted_dataset not in ("", dataset):
        return
    _reached[point] += 1
    if _reached[point] >= int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)
