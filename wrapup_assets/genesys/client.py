"""The Genesys Cloud calls the exporter makes: conversation details pages, wrap-up codes, aggregates,
and the directory (queues, users, divisions, the codes each queue offers)."""

from __future__ import annotations

import importlib.metadata
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import requests

from wrapup_assets.genesys.auth import ClientCredentialsTokenProvider
from wrapup_assets.genesys.errors import GenesysApiError, GenesysAuthError, PaginationLimitError
from wrapup_assets.genesys.paging import (
    PAGINATION_RESULT_CAP,
    exceeds_pagination_cap,
    format_interval,
    halve_interval,
    is_pagination_cap_message,
)
from wrapup_assets.genesys.rate_limit import RequestPacer
from wrapup_assets.genesys.regions import GenesysEndpoints
from wrapup_assets.genesys.retry import RetryPolicy
from wrapup_assets.genesys.transport import RetryingTransport

DETAILS_QUERY_PATH = "/api/v2/analytics/conversations/details/query"
DETAILS_JOBS_PATH = "/api/v2/analytics/conversations/details/jobs"
DETAILS_JOBS_AVAILABILITY_PATH = f"{DETAILS_JOBS_PATH}/availability"
AGGREGATES_QUERY_PATH = "/api/v2/analytics/conversations/aggregates/query"
WRAPUP_CODE_DIVISION_VIEWS_PATH = "/api/v2/routing/wrapupcodes/divisionviews"
QUEUES_PATH = "/api/v2/routing/queues"
USERS_PATH = "/api/v2/users"
DIVISIONS_PATH = "/api/v2/authorization/divisions"
DELETED_DIVISIONS_PATH = "/api/v2/authorization/divisions/deleted"
# `state` of GET /api/v2/users: active (Genesys' default), inactive, deleted, or any of them.
ANY_USER_STATE = "any"
# Results per details-job page; 1000 is the largest the docs mention [UNCONFIRMED], a setting.
DEFAULT_JOBS_PAGE_SIZE = 1000
# Only conversations that have ended: an open one has no final wrap-up code yet.
ENDED_CONVERSATIONS_FILTER: list[dict[str, Any]] = [
    {
        "type": "and",
        "predicates": [{"type": "dimension", "dimension": "conversationEnd", "operator": "exists"}],
    }
]


def _user_agent() -> str:
    try:
        version = importlib.metadata.version("wrapup-assets")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return f"wrapup-assets/{version}"


class GenesysClient:
    """A Genesys Cloud API client for one OAuth client: one keep-alive session, one token, one
    request budget, shared by every call (and thread) that uses it.

    Every call has a timeout, transient failures are retried under `retry_policy`, the token is
    renewed before it lapses and once on a 401. `sleep` is how the client waits between retries
    and between details-job status polls.
    `pagination_result_cap` is Genesys' 100,000-result limit on a details query [3P], a setting
    in case Genesys changes it. `jobs_page_size` is how many conversations a details-job results
    page asks for.
    """

    def __init__(
        self,
        endpoints: GenesysEndpoints,
        client_id: str,
        client_secret: str,
        *,
        retry_policy: RetryPolicy = RetryPolicy(),
        requests_per_minute: int = 240,
        connect_timeout_seconds: float = 10,
        read_timeout_seconds: float = 60,
        page_size: int = 100,
        ca_bundle: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        pagination_result_cap: int = PAGINATION_RESULT_CAP,
        jobs_page_size: int = DEFAULT_JOBS_PAGE_SIZE,
    ) -> None:
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, got {page_size}")
        if jobs_page_size < 1:
            raise ValueError(f"jobs_page_size must be at least 1, got {jobs_page_size}")
        self.endpoints = endpoints
        self.client_id = client_id
        self.page_size = page_size
        self.pagination_result_cap = pagination_result_cap
        self.jobs_page_size = jobs_page_size
        self.sleep = sleep
        session = requests.Session()
        # Never False: a proxy with a private CA gets its bundle, not a disabled check.
        session.verify = ca_bundle or True
        session.headers.update({"User-Agent": _user_agent(), "Accept": "application/json"})
        self._transport = RetryingTransport(
            session,
            retry_policy=retry_policy,
            pacer=RequestPacer(requests_per_minute),
            timeout=(connect_timeout_seconds, read_timeout_seconds),
            sleep=sleep,
        )
        self._tokens = ClientCredentialsTokenProvider(self._transport, endpoints.login_url, client_id, client_secret)

    @property
    def request_count(self) -> int:
        """HTTP requests sent so far, token requests and retries included (for run metadata)."""
        return self._transport.request_count

    def close(self) -> None:
        """Close the pooled connections."""
        self._transport.close()

    def __enter__(self) -> GenesysClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"GenesysClient(client_id={self.client_id!r}, api_url={self.endpoints.api_url!r}, client_secret='***')"

    def request_json(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Call `path` (from `/api/v2/...`) and return the JSON object Genesys answered with.

        A 401 means the token was revoked or expired early: it is renewed once and the call
        repeated; a second 401 is a `GenesysAuthError`.
        """
        if not path.startswith("/api/"):
            raise ValueError(f"path must start with /api/ (the host comes from the endpoints), got {path!r}")
        try:
            return self._authorized_exchange(method, path, params, json_body)
        except GenesysApiError as error:
            if error.status != 401 or isinstance(error, GenesysAuthError):
                raise
            self._tokens.invalidate()
        try:
            return self._authorized_exchange(method, path, params, json_body)
        except GenesysApiError as error:
            if error.status != 401 or isinstance(error, GenesysAuthError):
                raise
            raise GenesysAuthError.after_attempts(
                method=method,
                path=path,
                attempts=error.attempts + 1,
                status=401,
                correlation_id=error.correlation_id,
                detail=f"{error.genesys_message or 'unauthorized'} (a freshly issued token was "
                "refused too: check the OAuth client's roles)",
                genesys_message=error.genesys_message,
            ) from error

    def iter_conversation_detail_pages(self, start: datetime, end: datetime) -> Iterator[dict]:
        """Stream the details-query pages of completed conversations for [start, end), as sent.

        Genesys has no cursor: pages are numbered, the last one is short, and the page past the end
        comes back without `conversations`. An interval matching more than the result cap is split in halves, each
        paged on its own. Genesys matches conversations by activity, so callers keep only those
        whose `conversationStart` falls in their window and dedupe (pages shift while read).
        """
        interval = format_interval(start, end)  # refuses naive datetimes before any request
        if not start < end:
            raise ValueError(f"empty interval {interval}: start must precede end")
        return self._pages_of_interval(start, end)

    def list_wrapup_codes(self, include_state: str = "ActiveAndDeleted") -> list[dict]:
        """Every wrap-up code, deleted ones included by default (old conversations reference them)."""
        return self.list_entities(WRAPUP_CODE_DIVISION_VIEWS_PATH, {"includeState": include_state})

    def list_queues(self) -> list[dict]:
        """Every routing queue the client can see (Genesys lists no deleted queues)."""
        return self.list_entities(QUEUES_PATH)

    def list_users(self, state: str = ANY_USER_STATE) -> list[dict]:
        """Every user, inactive and deleted ones included by default (old conversations name them)."""
        return self.list_entities(USERS_PATH, {"state": state})

    def list_divisions(self) -> list[dict]:
        """Every division of the org."""
        return self.list_entities(DIVISIONS_PATH)

    def list_deleted_divisions(self) -> list[dict]:
        """The divisions deleted so far (soft-deleted: their ids stay in old data)."""
        return self.list_entities(DELETED_DIVISIONS_PATH)

    def list_queue_wrapup_codes(self, queue_id: str) -> list[dict]:
        """The wrap-up codes a queue offers its agents now."""
        if not queue_id or "/" in queue_id:
            raise ValueError(f"{queue_id!r} is not a queue id")
        return self.list_entities(f"{QUEUES_PATH}/{queue_id}/wrapupcodes")

    def list_entities(self, path: str, params: dict[str, Any] | None = None) -> list[dict]:
        """Every entity of a Genesys entity listing (`entities`, `pageNumber`, `pageCount`), paged
        by page number until a page is empty or the last page (`pageCount`) was read."""
        entities: list[dict] = []
        page_number = 1
        while True:
            page = self.request_json(
                "GET", path, params={"pageSize": self.page_size, "pageNumber": page_number, **(params or {})}
            )
            page_entities = page.get("entities") or []
            entities.extend(page_entities)
            page_count = page.get("pageCount")
            if not page_entities or (isinstance(page_count, int) and page_number >= page_count):
                return entities
            page_number += 1

    def aggregate_wrapup_codes(self, start: datetime, end: datetime) -> dict:
        """Hourly handle and after-call-work totals per wrap-up code over [start, end), as sent;
        the reconciliation check compares them with the exported rows."""
        return self.request_json(
            "POST",
            AGGREGATES_QUERY_PATH,
            json_body={
                "interval": format_interval(start, end),
                "granularity": "PT1H",
                "timeZone": "UTC",
                "groupBy": ["wrapUpCode"],
                "metrics": ["tHandle", "tAcw"],
            },
        )

    def details_jobs_availability(self) -> datetime:
        """The instant before which details jobs see data (Genesys' `dataAvailabilityDate`): a job
        whose interval ends after it is refused."""
        body = self.request_json("GET", DETAILS_JOBS_AVAILABILITY_PATH)
        text = body.get("dataAvailabilityDate")
        try:
            return datetime.fromisoformat(str(text).replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            raise GenesysApiError(
                f"GET {DETAILS_JOBS_AVAILABILITY_PATH}: dataAvailabilityDate {text!r} is not an ISO-8601 instant",
                method="GET",
                path=DETAILS_JOBS_AVAILABILITY_PATH,
                status=200,
            ) from None

    def submit_details_job(self, start: datetime, end: datetime) -> str:
        """Start an async details job over [start, end) and return its id.

        Genesys' default matching applies: every ended conversation whose lifetime overlaps the
        interval, whatever its start, in `conversationStart` order; callers keep those that started
        in their window.
        """
        interval = format_interval(start, end)
        if not start < end:
            raise ValueError(f"empty interval {interval}: start must precede end")
        body = self.request_json(
            "POST",
            DETAILS_JOBS_PATH,
            json_body={
                "interval": interval,
                "order": "asc",
                "orderBy": "conversationStart",
                "conversationFilters": ENDED_CONVERSATIONS_FILTER,
            },
        )
        job_id = body.get("jobId")
        if not isinstance(job_id, str) or not job_id:
            raise GenesysApiError(
                f"POST {DETAILS_JOBS_PATH}: the answer for interval {interval} carries no jobId",
                method="POST",
                path=DETAILS_JOBS_PATH,
                status=202,
            )
        return job_id

    def details_job_status(self, job_id: str) -> dict[str, Any]:
        """The job's status document: `state` (QUEUED, PENDING, FULFILLED, FAILED, CANCELLED,
        EXPIRED), `errorMessage`, `submissionDate`, `completionDate`, `expirationDate`."""
        return self.request_json("GET", _job_path(job_id))

    def iter_details_job_pages(self, job_id: str) -> Iterator[dict]:
        """The result pages of a FULFILLED job, as sent, following the cursor until a page has none."""
        path = f"{_job_path(job_id)}/results"
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"pageSize": self.jobs_page_size}
            if cursor:
                params["cursor"] = cursor
            page = self.request_json("GET", path, params=params)
            yield page
            cursor = page.get("cursor")
            if not cursor:
                return

    def delete_details_job(self, job_id: str) -> None:
        """Cancel the job or drop its results (Genesys caps the jobs an org has at once)."""
        self.request_json("DELETE", _job_path(job_id))

    def _authorized_exchange(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        json_body: dict[str, Any] | None,
    ) -> dict[str, Any]:
        token = self._tokens.access_token()
        return self._transport.exchange(
            method,
            self.endpoints.api_url + path,
            path=path,
            headers={"Authorization": f"Bearer {token}"},
            params=params,
            json_body=json_body,
            redact=(token,),
        )

    def _pages_of_interval(self, start: datetime, end: datetime) -> Iterator[dict]:
        page_number = 1
        while True:
            try:
                page = self._details_page(start, end, page_number)
            except GenesysApiError as error:
                if error.status != 400 or not is_pagination_cap_message(error.genesys_message):
                    raise
                # totalHits grew past the cap while paging: the halves repeat some conversations
                # already yielded, which the consumer's dedupe absorbs.
                yield from self._pages_of_halves(start, end, total_hits=None)
                return
            total_hits = page.get("totalHits")
            has_total = isinstance(total_hits, int)
            if page_number == 1 and has_total and exceeds_pagination_cap(total_hits, self.pagination_result_cap):
                yield from self._pages_of_halves(start, end, total_hits)
                return
            conversations = page.get("conversations") or ()
            if not conversations:
                return
            yield page
            # Only a short page ends the interval: totalHits drifts between pages while data
            # arrives, so stopping at page * size >= totalHits could miss the last conversations.
            if len(conversations) < self.page_size:
                return
            page_number += 1

    def _pages_of_halves(self, start: datetime, end: datetime, total_hits: int | None) -> Iterator[dict]:
        halves = halve_interval(start, end)
        if halves is None:
            matched = f"{total_hits} conversations" if total_hits is not None else "too many results"
            raise PaginationLimitError(
                f"POST {DETAILS_QUERY_PATH}: interval {format_interval(start, end)} matches "
                f"{matched}, more than the {self.pagination_result_cap} a details query can page "
                "through, and is too short to split further",
                method="POST",
                path=DETAILS_QUERY_PATH,
                status=400 if total_hits is None else None,
            )
        for half_start, half_end in halves:
            yield from self._pages_of_interval(half_start, half_end)

    def _details_page(self, start: datetime, end: datetime, page_number: int) -> dict:
        return self.request_json(
            "POST",
            DETAILS_QUERY_PATH,
            json_body={
                "interval": format_interval(start, end),
                "order": "asc",
                "orderBy": "conversationStart",
                "paging": {"pageSize": self.page_size, "pageNumber": page_number},
                "conversationFilters": ENDED_CONVERSATIONS_FILTER,
            },
        )


def _job_path(job_id: str) -> str:
    if not job_id or "/" in job_id:
        raise ValueError(f"{job_id!r} is not a details job id")
    return f"{DETAILS_JOBS_PATH}/{job_id}"
