"""Async details jobs: submit one, wait until Genesys has computed it, read it, never leave it behind.

Genesys computes a job's result set in the background; the exporter polls its status with a
growing delay, within a bounded total wait, and reads the results by cursor once it is FULFILLED.
A job that ends FAILED, CANCELLED or EXPIRED, or is still running when the wait runs out, is an
error naming the job and its state. A job is deleted once read, and cancelled (the same DELETE)
when waiting or reading fails: an org may only have a few jobs at once [3P].
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from wrapup_assets.genesys.client import DETAILS_JOBS_PATH, GenesysClient
from wrapup_assets.genesys.errors import GenesysApiError
from wrapup_assets.genesys.paging import format_interval

logger = logging.getLogger("wrapup_assets.genesys")

FULFILLED = "FULFILLED"
# States a job never leaves and that hold no results.
UNSUCCESSFUL_STATES = frozenset({"FAILED", "CANCELLED", "EXPIRED"})


@dataclass(frozen=True)
class JobPolling:
    """How to wait for a job: the first status poll `first_delay_seconds` after submitting, each
    later one after twice the previous delay (at most `max_delay_seconds`), giving up once the
    delays add up to `max_wait_seconds`."""

    first_delay_seconds: float = 0.5
    max_delay_seconds: float = 30.0
    max_wait_seconds: float = 3600.0

    def __post_init__(self) -> None:
        if not 0 < self.first_delay_seconds <= self.max_delay_seconds:
            raise ValueError(
                f"JobPolling needs 0 < first_delay_seconds <= max_delay_seconds, got "
                f"{self.first_delay_seconds} and {self.max_delay_seconds}"
            )
        if self.max_wait_seconds < self.first_delay_seconds:
            raise ValueError(
                f"JobPolling.max_wait_seconds ({self.max_wait_seconds}) is shorter than the first delay "
                f"({self.first_delay_seconds})"
            )

    def delays(self) -> Iterator[float]:
        """The waits before each poll; they stop before their sum passes `max_wait_seconds`."""
        delay, waited = self.first_delay_seconds, 0.0
        while waited + delay <= self.max_wait_seconds:
            yield delay
            waited += delay
            delay = min(delay * 2, self.max_delay_seconds)


class DetailsJobError(GenesysApiError):
    """A details job gave no results: it ended FAILED, CANCELLED or EXPIRED, or outlasted the wait."""

    def __init__(self, message: str, *, job_id: str, state: str, genesys_message: str | None = None) -> None:
        super().__init__(
            message,
            method="GET",
            path=f"{DETAILS_JOBS_PATH}/{job_id}",
            status=200,
            genesys_message=genesys_message,
        )
        self.job_id = job_id
        self.state = state


def wait_until_fulfilled(client: GenesysClient, job_id: str, interval: str, polling: JobPolling) -> None:
    """Poll the job until it is FULFILLED; `DetailsJobError` when it ends otherwise or in time."""
    state = "QUEUED"
    waited = 0.0
    for delay in polling.delays():
        client.sleep(delay)
        waited += delay
        status = client.details_job_status(job_id)
        state = str(status.get("state") or "UNKNOWN")
        if state == FULFILLED:
            return
        if state in UNSUCCESSFUL_STATES:
            reason = status.get("errorMessage")
            raise DetailsJobError(
                f"details job {job_id} for {interval} ended {state}"
                + (f": {reason}" if reason else "")
                + "; its results are gone, run the partitions again to submit a new job",
                job_id=job_id,
                state=state,
                genesys_message=reason if isinstance(reason, str) else None,
            )
    raise DetailsJobError(
        f"details job {job_id} for {interval} is still {state} after {waited:.0f} s of waiting "
        f"(max_wait_seconds={polling.max_wait_seconds:.0f}); it was cancelled, run the partitions again",
        job_id=job_id,
        state=state,
    )


@contextlib.contextmanager
def fulfilled_details_job(
    client: GenesysClient, start: datetime, end: datetime, polling: JobPolling = JobPolling()
) -> Iterator[str]:
    """Submit a job over [start, end), wait until it is FULFILLED and hand over its id to read the
    results with `client.iter_details_job_pages`; the job is deleted on leaving, whatever happened,
    unless Genesys already ended it without results."""
    interval = format_interval(start, end)
    job_id = client.submit_details_job(start, end)
    logger.info("Submitted details job %s for %s", job_id, interval)
    ended_unsuccessfully = False
    try:
        wait_until_fulfilled(client, job_id, interval, polling)
        yield job_id
    except DetailsJobError as error:
        ended_unsuccessfully = error.state in UNSUCCESSFUL_STATES
        raise
    finally:
        if not ended_unsuccessfully:
            _delete_quietly(client, job_id)


def _delete_quietly(client: GenesysClient, job_id: str) -> None:
    """Delete the job; a failure is only logged, so that it never hides the error that got us here."""
    try:
        client.delete_details_job(job_id)
    except GenesysApiError as error:
        logger.warning("Could not delete details job %s (Genesys drops it when it expires): %s", job_id, error)
