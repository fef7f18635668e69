"""A range of hours older than the jobs' availability date, exported through one async details job.

One job covers the run's whole range (a day of a backfill) for a handful of requests, where the
details query needs one or more per hour. Its results come in large pages with no promise of hour
order, so each conversation goes to the hour its `conversationStart` falls in and is spooled to
the step's local spool by hour; conversations that started outside the range (the job matches every lifetime
that overlaps it) are dropped, as the records asset drops them from a query page. Each hour is
stored as pages of the query's shape, `{"conversations": [...], "totalHits": n}` (n: the page's
own count), so `wrapup_records` reads a job-fetched hour exactly like a query-fetched one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import msgspec

from wrapup_assets.genesys.client import GenesysClient
from wrapup_assets.genesys.details_jobs import JobPolling, fulfilled_details_job
from wrapup_assets.lake.page_spool import HourPageSpool
from wrapup_assets.partitions import hour_key, hour_start
from wrapup_assets.records.redact import redact_page

HOUR = timedelta(hours=1)


def conversation_hour_key(conversation: object) -> str | None:
    """The hourly partition key of the hour the conversation started in; None without a readable start."""
    if not isinstance(conversation, dict):
        return None
    text = conversation.get("conversationStart")
    if not isinstance(text, str):
        return None
    try:
        started = datetime.fromisoformat(text)
    except ValueError:
        return None
    if started.tzinfo is None:  # Genesys sends UTC with a Z; a bare time is read as UTC too
        started = started.replace(tzinfo=UTC)
    return hour_key(started.astimezone(UTC).replace(minute=0, second=0, microsecond=0))


def pages_by_hour(page: dict) -> dict[str | None, dict]:
    """One job results page cut into a page of the query's shape per start hour (None: no readable start)."""
    by_hour: dict[str | None, list] = defaultdict(list)
    for conversation in page.get("conversations") or ():
        by_hour[conversation_hour_key(conversation)].append(conversation)
    return {key: {"conversations": group, "totalHits": len(group)} for key, group in by_hour.items()}


class DetailsJobExport:
    """Fetch consecutive hours through one details job into the step's page spool.

    `fetch()` runs the job to the end (submit, wait, read every page, delete); the figures a person
    checks afterwards are its attributes.
    """

    def __init__(
        self,
        client: GenesysClient,
        hour_keys: Sequence[str],
        spool: HourPageSpool,
        *,
        redact: bool,
        polling: JobPolling,
    ) -> None:
        if not hour_keys:
            raise ValueError("a details job export needs at least one hour")
        self._client, self._spool, self._redact, self._polling = client, spool, redact, polling
        self.start = hour_start(hour_keys[0])
        self.end = hour_start(hour_keys[-1]) + HOUR
        if hour_keys != [hour_key(self.start + index * HOUR) for index in range(len(hour_keys))]:
            raise ValueError(f"the hours of a details job must be consecutive, got {list(hour_keys)}")
        self._hours = frozenset(hour_keys)
        self.job_id: str | None = None
        self.conversations_received = 0
        self.conversations_outside_range = 0
        self.conversations_without_start = 0
        self._conversations_by_hour: Counter[str] = Counter()

    def fetch(self) -> None:
        """Run the job over the hours and sort its results into the spool."""
        encoder = msgspec.json.Encoder()
        with fulfilled_details_job(self._client, self.start, self.end, self._polling) as job_id:
            self.job_id = job_id
            for page in self._client.iter_details_job_pages(job_id):
                self.conversations_received += len(page.get("conversations") or ())
                for key, hour_page in pages_by_hour(page).items():
                    count = len(hour_page["conversations"])
                    if key is None:
                        self.conversations_without_start += count
                    elif key not in self._hours:
                        self.conversations_outside_range += count
                    else:
                        self._conversations_by_hour[key] += count
                        self._spool.add(key, encoder.encode(redact_page(hour_page) if self._redact else hour_page))

    def conversations_in(self, key: str) -> int:
        """Conversations stored for the hour."""
        return self._conversations_by_hour[key]
