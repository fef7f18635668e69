"""Exceptions raised by the Genesys client; none of them ever carries a secret or a token."""

from __future__ import annotations


class GenesysSettingsError(ValueError):
    """A Genesys setting is missing or malformed; the message names the environment variable."""


class GenesysApiError(RuntimeError):
    """A Genesys API call failed for good, with what an operator needs to ask Genesys about it.

    `status` is None when no HTTP response arrived (connection error, timeout, truncated body).
    `genesys_message` is the message Genesys put in its error body, when it sent one.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status: int | None,
        correlation_id: str | None = None,
        attempts: int = 1,
        genesys_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.status = status
        self.correlation_id = correlation_id
        self.attempts = attempts
        self.genesys_message = genesys_message

    @classmethod
    def after_attempts(
        cls,
        *,
        method: str,
        path: str,
        attempts: int,
        status: int | None,
        correlation_id: str | None,
        detail: str,
        genesys_message: str | None = None,
    ) -> GenesysApiError:
        """Build the error in the one message shape operators grep for.

        "POST /api/v2/... failed after 6 attempts: HTTP 503 (correlation id abc): <detail>".
        """
        outcome = f"HTTP {status}" if status is not None else "no HTTP response"
        if correlation_id:
            outcome += f" (correlation id {correlation_id})"
        noun = "attempt" if attempts == 1 else "attempts"
        message = f"{method} {path} failed after {attempts} {noun}: {outcome}: {detail}"
        return cls(
            message,
            method=method,
            path=path,
            status=status,
            correlation_id=correlation_id,
            attempts=attempts,
            genesys_message=genesys_message,
        )


class GenesysAuthError(GenesysApiError):
    """Genesys refused the client credentials or the token: a settings or roles problem, not transient."""


class PaginationLimitError(GenesysApiError):
    """A details query matches more conversations than Genesys lets a query page through, even split."""
