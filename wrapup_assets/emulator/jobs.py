"""Async details jobs: submit, poll (QUEUED once, then FULFILLED), read by cursor, delete.

A fault can end a job in FAILED or EXPIRED instead: its status says so and its results are gone.

A job snapshots its matching conversations and the clock when submitted, as Genesys computes the
result set once. Jobs only see data before the availability date: the clock minus
`jobs_availability_lag`, floored to the hour.
"""

from __future__ import annotations

import base64
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from wrapup_assets.emulator.conversation_json import page_json
from wrapup_assets.emulator.errors import ApiError
from wrapup_assets.emulator.instants import DAY_MS, HOUR_MS, floor_to, iso_ms
from wrapup_assets.emulator.matching import Matching
from wrapup_assets.emulator.rendering import without_empty
from wrapup_assets.emulator.selection import Selector, parse_selection

MAX_JOB_INTERVAL_MS = 31 * DAY_MS
JOB_RETENTION_MS = 2 * DAY_MS
DEFAULT_RESULTS_PAGE_SIZE = 100
MAX_RESULTS_PAGE_SIZE = 1000


@dataclass
class _Job:
    conversations: Matching
    submitted_ms: int
    polls: int = 0
    final_state: str | None = None


class JobStore:
    """The jobs of one emulator, safe to use from the server's request threads."""

    def __init__(self, selector: Selector) -> None:
        self._selector = selector
        self._source = selector.source
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()

    def availability_ms(self) -> int:
        """The instant before which jobs see data."""
        lag_ms = self._source.config.jobs_availability_lag // timedelta(milliseconds=1)
        return floor_to(self._source.now_ms() - lag_ms, HOUR_MS)

    def availability(self) -> dict[str, Any]:
        """`GET .../details/jobs/availability`."""
        return {"dataAvailabilityDate": iso_ms(self.availability_ms())}

    def submit(self, body: dict[str, Any]) -> dict[str, Any]:
        """`POST .../details/jobs`: validates the query and computes its result set."""
        selection = parse_selection(body, MAX_JOB_INTERVAL_MS)
        availability_ms = self.availability_ms()
        if selection.end_ms > availability_ms:
            raise ApiError(
                400,
                f"Interval end {iso_ms(selection.end_ms)} is after the data availability date "
                f"{iso_ms(availability_ms)}",
            )
        limit = body.get("limit")
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise ApiError(400, f"limit must be a positive integer, got {limit!r}")
        now_ms = self._source.now_ms()
        matching = self._selector.select(selection, now_ms, bool(body.get("startOfDayIntervalMatching")))
        job_id = str(uuid.uuid4())
        with self._lock:
            self._jobs[job_id] = _Job(matching.head(limit), now_ms)
        return {"jobId": job_id}

    def end_job(self, job_id: str, state: str) -> None:
        """The job ends in `state` (FAILED or EXPIRED) for good, whatever its progress."""
        with self._lock:
            self._job(job_id).final_state = state

    def status(self, job_id: str) -> dict[str, Any]:
        """`GET .../details/jobs/{id}`: QUEUED on the first poll, FULFILLED afterwards (or the state
        a fault ended it in)."""
        with self._lock:
            job = self._job(job_id)
            job.polls += 1
            fulfilled = job.polls > 1
            final_state = job.final_state
        if final_state is not None:
            return without_empty(
                {
                    "state": final_state,
                    "errorMessage": "The job failed to complete. Please resubmit it."
                    if final_state == "FAILED"
                    else None,
                    "submissionDate": iso_ms(job.submitted_ms),
                    "expirationDate": iso_ms(job.submitted_ms) if final_state == "EXPIRED" else None,
                }
            )
        return without_empty(
            {
                "state": "FULFILLED" if fulfilled else "QUEUED",
                "submissionDate": iso_ms(job.submitted_ms),
                "completionDate": iso_ms(job.submitted_ms) if fulfilled else None,
                "expirationDate": iso_ms(job.submitted_ms + JOB_RETENTION_MS) if fulfilled else None,
            }
        )

    def results(self, job_id: str, cursor: str | None, page_size_text: str | None) -> bytes:
        """`GET .../details/jobs/{id}/results`: a page and the cursor of the next one (none on the
        last), as the JSON bytes of the answer."""
        page_size = _results_page_size(page_size_text)
        with self._lock:
            job = self._job(job_id)
            if job.final_state == "FAILED":
                raise ApiError(400, f"Job {job_id} is FAILED; submit it again")
            if job.final_state == "EXPIRED":
                raise ApiError(404, f"Job {job_id} has EXPIRED and its results were deleted", code="not.found")
            if job.polls < 2:
                raise ApiError(400, f"Job {job_id} is not FULFILLED yet; poll its status first")
        offset = _decode_cursor(cursor)
        next_offset = offset + page_size
        return page_json(
            job.conversations.conversations_json(offset, next_offset, job.submitted_ms),
            {
                "cursor": _encode_cursor(next_offset) if next_offset < len(job.conversations) else None,
                "dataAvailabilityDate": iso_ms(self.availability_ms()),
            },
        )

    def delete(self, job_id: str) -> None:
        """`DELETE .../details/jobs/{id}`."""
        with self._lock:
            self._job(job_id)
            del self._jobs[job_id]

    def _job(self, job_id: str) -> _Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise ApiError(404, f"Job {job_id} was not found", code="not.found")
        return job


def _results_page_size(text: str | None) -> int:
    if not text:
        return DEFAULT_RESULTS_PAGE_SIZE
    if not text.isdigit() or not 1 <= int(text) <= MAX_RESULTS_PAGE_SIZE:
        raise ApiError(400, f"pageSize must be between 1 and {MAX_RESULTS_PAGE_SIZE}, got {text!r}")
    return int(text)


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        prefix, _, offset = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if prefix == "offset" and offset.isdigit():
            return int(offset)
    except ValueError:
        pass
    raise ApiError(400, "Invalid cursor")
