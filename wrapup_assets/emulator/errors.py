"""Genesys' error responses: the status, and the body every API error carries."""

from __future__ import annotations

import uuid
from typing import Any

ERROR_CODES = {
    400: "bad.request",
    401: "bad.credentials",
    403: "not.authorized",
    404: "not.found",
    408: "request.timeout",
    413: "request.entity.too.large",
    429: "too.many.requests.retry.after",
    500: "internal.server.error",
    502: "bad.gateway",
    503: "service.unavailable",
    504: "gateway.timeout",
}
ERROR_MESSAGES = {
    401: "Invalid login credentials.",
    403: "You are not authorized to perform the requested action.",
    404: "The requested resource was not found.",
    500: "The server encountered an unexpected condition.",
    502: "The upstream service returned an invalid response.",
    503: "The service is currently unavailable.",
    504: "The upstream service did not respond in time.",
}


class ApiError(Exception):
    """An API answer other than success: raised by an endpoint, turned into a Genesys error response."""

    def __init__(
        self, status: int, message: str | None = None, code: str | None = None, retry_after: int | None = None
    ) -> None:
        self.status = status
        self.retry_after = retry_after
        self.message = message or ERROR_MESSAGES.get(status, f"Request failed with status {status}.")
        self.code = code or ERROR_CODES.get(status, "error")
        super().__init__(f"{status} {self.code}: {self.message}")


def rate_limit_error(retry_after_seconds: int | None) -> ApiError:
    """The 429 Genesys sends when a token exceeds its quota; without a Retry-After the message says 60 s."""
    shown_seconds = 60 if retry_after_seconds is None else retry_after_seconds
    return ApiError(
        429,
        f"Rate limit exceeded the maximum. Retry the request in [{shown_seconds}] seconds",
        retry_after=retry_after_seconds,
    )


def error_body(error: ApiError) -> dict[str, Any]:
    """Genesys' error JSON; unlike data responses it keeps its empty arrays."""
    return {
        "message": error.message,
        "code": error.code,
        "status": error.status,
        "contextId": str(uuid.uuid4()),
        "details": [],
        "errors": [],
    }
