"""Test-only kill and pause points at named steps of a lake write.

The crash-safety tests run a real materialization in a subprocess with
``WRAPUP_LAKE_TEST_KILL_AT=<point>[@<dataset>][:<n>]`` (the n-th time, default the first, that the
point is reached, while writing that dataset if named) and check what a SIGKILL there leaves
published. Never set it outside tests: the process dies without
cleanup, which is exactly what the tests want to see survived. Unset, a point costs one lookup.

The concurrency tests interleave two real writers with
``WRAPUP_LAKE_TEST_PAUSE_AT=<point>[@<dataset>][,<point>...]`` and
``WRAPUP_LAKE_TEST_PAUSE_DIR=<dir>``: the first time a named point is reached the process creates
``<dir>/<point>.reached`` and waits until the test creates ``<dir>/<point>.go``, so the test decides
what the other writer does meanwhile.

The variables are read once where a process reads its settings (`wrapup_assets.settings`, or a
test's own writer process), which arms the points here with `arm`; unarmed, a point costs nothing.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

KILL_AT_ENV_VAR = "WRAPUP_LAKE_TEST_KILL_AT"
PAUSE_AT_ENV_VAR = "WRAPUP_LAKE_TEST_PAUSE_AT"
PAUSE_DIR_ENV_VAR = "WRAPUP_LAKE_TEST_PAUSE_DIR"
PAUSE_TIMEOUT_SECONDS = 120

POINTS = (
    "page_written",  # a raw page went into pages.jsonl.zst (the page stream)
    "part_file_closed",  # a Parquet part file was finished, the next not yet begun
    "files_staged",  # every file is staged, the manifest is not written
    "data_file_copied",  # S3: a staged file was copied to its final key, the manifest is not written
    "partition_moved_aside",  # local: the old partition directory was renamed away, the new one not yet in
    "manifest_published",  # the new manifest is published, stale files are not yet removed
    "lease_busy",  # another writer holds the partition's publish lease; this one is about to wait
    "lease_acquired",  # this writer holds the partition's publish lease, nothing is published yet
)


@dataclass(frozen=True)
class LakeTestPoints:
    """Where a test asked this process to die or pause (the values of the three variables)."""

    kill_at: str = ""
    pause_at: str = ""
    pause_dir: str = ""

    @classmethod
    def from_variables(cls, variables: Mapping[str, str]) -> LakeTestPoints | None:
        """The points the variables name, or None when none is set (every process but a test's)."""
        points = cls(
            kill_at=variables.get(KILL_AT_ENV_VAR, ""),
            pause_at=variables.get(PAUSE_AT_ENV_VAR, ""),
            pause_dir=variables.get(PAUSE_DIR_ENV_VAR, ""),
        )
        return points if points.kill_at or points.pause_at else None


_armed: LakeTestPoints | None = None
_reached: Counter[str] = Counter()
_paused: set[str] = set()


def arm(points: LakeTestPoints | None) -> None:
    """From now on, `crash_point` kills or pauses this process where `points` say (None: nowhere)."""
    global _armed
    _armed = points


def crash_point(point: str, dataset: str) -> None:
    """Kill this process with SIGKILL, or pause it, when the armed test points name this point."""
    if _armed is None:
        return
    killed_at = _armed.kill_at
    if killed_at and _names(KILL_AT_ENV_VAR, killed_at.partition(":")[0], point, dataset):
        _reached[point] += 1
        if _reached[point] >= int(killed_at.partition(":")[2] or 1):
            os.kill(os.getpid(), signal.SIGKILL)
    targets = [target for target in _armed.pause_at.split(",") if target]
    if any(_names(PAUSE_AT_ENV_VAR, target, point, dataset) for target in targets) and point not in _paused:
        _paused.add(point)
        _pause(Path(_armed.pause_dir), point)


def _names(variable: str, target: str, point: str, dataset: str) -> bool:
    name, _, wanted_dataset = target.partition("@")
    if name not in POINTS:
        raise ValueError(f"{variable}={target!r} names no point; known: {', '.join(POINTS)}")
    return name == point and wanted_dataset in ("", dataset)


def _pause(directory: Path, point: str) -> None:
    (directory / f"{point}.reached").write_text(str(os.getpid()))
    deadline = time.monotonic() + PAUSE_TIMEOUT_SECONDS
    while not (directory / f"{point}.go").exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"paused at {point} for {PAUSE_TIMEOUT_SECONDS} s: the test never released it")
        time.sleep(0.01)
