"""One Genesys HTTP exchange: pace it, send it, retry what is transient, explain what is not."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from wrapup_assets.genesys.errors import GenesysApiError
from wrapup_assets.genesys.rate_limit import RequestPacer
from wrapup_assets.genesys.retry import RetryPolicy, is_retryable_status

logger = logging.getLogger("wrapup_assets.genesys")

_TRANSIENT_EXCEPTIONS = (
    requests.exceptions.ConnectionError,  # refused, reset, dropped; includes connect timeouts
    requests.exceptions.Timeout,  # read timeouts
    requests.exceptions.ChunkedEncodingError,  # body cut short (IncompleteRead)
    requests.exceptions.ContentDecodingError,
)
_MAX_DETAIL_CHARS = 500


class RetryingTransport:
    """Sends requests over one keep-alive session and returns parsed JSON objects.

    Retries 429, 5xx, connection errors, timeouts and unreadable 2xx bodies under a
    `RetryPolicy`; anything else becomes an error of the caller's chosen type at once.
    """

    def __init__(
        self,
        session: requests.Session,
        *,
        retry_policy: RetryPolicy,
        pacer: RequestPacer,
        timeout: tuple[float, float],
        sleep: Callable[[float], None],
        rng: random.Random | None = None,
    ) -> None:
        self._session = session
        self._retry_policy = retry_policy
        self._pacer = pacer
        self._timeout = timeout
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._request_count = 0
        self._count_lock = threading.Lock()

    @property
    def request_count(self) -> int:
        """HTTP requests sent so far, retries included."""
        return self._request_count

    def close(self) -> None:
        """Close the pooled connections."""
        self._session.close()

    def exchange(
        self,
        method: str,
        url: str,
        *,
        path: str,
        headers: Mapping[str, str],
        params: Mapping[str, Any] | None = None,
        json_body: Mapping[str, Any] | None = None,
        form: Mapping[str, str] | None = None,
        error_type: type[GenesysApiError] = GenesysApiError,
        redact: Iterable[str] = (),
    ) -> dict[str, Any]:
        """Send until a 2xx with a JSON object arrives or the failure is final.

        `path` names the call in logs and errors (never the full URL with its query). Every string
        in `redact` is masked in error messages, in case a server echoes a credential back.
        """
        max_attempts = self._retry_policy.max_attempts
        secrets = tuple(value for value in redact if value)
        for attempt in range(1, max_attempts + 1):
            failure = self._attempt(method, url, headers, params, json_body, form)
            if isinstance(failure, dict):
                return failure
            if not failure.retryable or attempt == max_attempts:
                raise error_type.after_attempts(
                    method=method,
                    path=path,
                    attempts=attempt,
                    status=failure.status,
                    correlation_id=failure.correlation_id,
                    detail=_masked(failure.detail, secrets) or "",
                    genesys_message=_masked(failure.genesys_message, secrets),
                )
            delay = self._retry_policy.delay_for(attempt, failure.retry_after, self._rng)
            logger.warning(
                "Genesys %s %s: %s on attempt %d of %d; retrying in %.2f s",
                method,
                path,
                failure.summary,
                attempt,
                max_attempts,
                delay,
            )
            self._sleep(delay)
        raise AssertionError("unreachable: the last attempt always returns or raises")

    def _attempt(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        params: Mapping[str, Any] | None,
        json_body: Mapping[str, Any] | None,
        form: Mapping[str, str] | None,
    ) -> dict[str, Any] | _Failure:
        self._pacer.acquire()
        with self._count_lock:
            self._request_count += 1
        try:
            response = self._session.request(
                method,
                url,
                headers=dict(headers),
                params=params,
                json=json_body,
                data=form,
                timeout=self._timeout,
                # Passed per request: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a
                # session's CA bundle, which would silently ignore GENESYS_CA_BUNDLE.
                verify=self._session.verify,
            )
        except requests.exceptions.SSLError as error:
            # A certificate problem does not heal on retry; it needs a setting.
            return _Failure(
                status=None,
                retryable=False,
                detail=(
                    f"TLS failed ({error}); behind a TLS-inspecting proxy, point GENESYS_CA_BUNDLE "
                    "at its CA certificate"
                ),
                summary="SSLError",
            )
        except _TRANSIENT_EXCEPTIONS as error:
            return _Failure(
                status=None,
                retryable=True,
                detail=f"{type(error).__name__}: {error}",
                summary=type(error).__name__,
            )
        return _read_response(response)


@dataclass(frozen=True)
class _Failure:
    """One failed attempt, described well enough to decide on a retry and to explain it."""

    status: int | None
    retryable: bool
    detail: str
    summary: str
    correlation_id: str | None = None
    retry_after: str | None = None
    genesys_message: str | None = None


def _read_response(response: requests.Response) -> dict[str, Any] | _Failure:
    status = response.status_code
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    correlation_id = response.headers.get("ININ-Correlation-Id") or (
        body.get("contextId") if isinstance(body, dict) else None
    )
    if 200 <= status < 300:
        if isinstance(body, dict):
            return body
        if status == 204 and not response.content:
            return {}
        return _Failure(
            status=status,
            retryable=True,
            detail=f"unreadable JSON body ({len(response.content)} bytes)",
            summary=f"HTTP {status} with an unreadable body",
            correlation_id=correlation_id,
        )
    genesys_message = _genesys_message(body)
    return _Failure(
        status=status,
        retryable=is_retryable_status(status),
        detail=genesys_message or response.text[:_MAX_DETAIL_CHARS] or response.reason or "",
        summary=f"HTTP {status}",
        correlation_id=correlation_id,
        retry_after=response.headers.get("Retry-After"),
        genesys_message=genesys_message,
    )


def _genesys_message(body: Any) -> str | None:
    """The human part of a Genesys error body (API errors use `message`, OAuth errors `error*`)."""
    if not isinstance(body, dict):
        return None
    for key in ("message", "error_description", "description", "error"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value[:_MAX_DETAIL_CHARS]
    return None


def _masked(text: str | None, secrets: tuple[str, ...]) -> str | None:
    if text is None:
        return None
    for secret in secrets:
        text = text.replace(secret, "***")
    return text
