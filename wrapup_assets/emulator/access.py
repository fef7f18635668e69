"""Access control: client-credentials tokens, their expiry, and the per-token request quota.

Token life and the quota window run on the real monotonic clock, not the emulator clock: a fixed
emulator clock would otherwise never expire a token or free a quota slot.
"""

from __future__ import annotations

import base64
import binascii
import math
import secrets
import threading
import time
from collections import deque

from wrapup_assets.emulator.config import EmulatorConfig
from wrapup_assets.emulator.errors import ApiError, rate_limit_error

QUOTA_WINDOW_SECONDS = 60.0


class OAuthError(Exception):
    """A token request refused with an OAuth error body (not a Genesys API error body)."""

    def __init__(self, status: int, error: str, description: str) -> None:
        self.status = status
        self.error = error
        self.description = description
        super().__init__(f"{status} {error}: {description}")


class AccessControl:
    """Issues tokens for the configured client, validates bearer tokens and enforces the quota."""

    def __init__(self, config: EmulatorConfig) -> None:
        self._config = config
        self._expiry_by_token: dict[str, float] = {}
        self._issued: list[str] = []
        self._recent_requests: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def issue_token(self, authorization: str | None, form: dict[str, list[str]]) -> dict[str, object]:
        """`POST /oauth/token` with Basic client credentials and grant_type=client_credentials."""
        client_id, client_secret = _basic_credentials(authorization)
        if (client_id, client_secret) != (self._config.client_id, self._config.client_secret):
            raise OAuthError(401, "invalid_client", "client not found or secret does not match")
        grant_type = form.get("grant_type", [""])[0]
        if grant_type != "client_credentials":
            raise OAuthError(400, "unsupported_grant_type", f"grant_type {grant_type!r} is not supported")
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._expiry_by_token[token] = time.monotonic() + self._config.token_ttl_seconds
            self._issued.append(token)
        return {"access_token": token, "token_type": "bearer", "expires_in": self._config.token_ttl_seconds}

    def expire_tokens(self) -> None:
        """Every issued token becomes invalid."""
        with self._lock:
            self._expiry_by_token.clear()
            self._recent_requests.clear()

    def revoke(self, authorization: str | None) -> None:
        """The bearer token of this Authorization header never works again."""
        _, _, token = (authorization or "").partition(" ")
        with self._lock:
            self._expiry_by_token.pop(token, None)
            self._recent_requests.pop(token, None)

    def issued_tokens(self) -> list[str]:
        """Every token issued so far, expired and revoked ones included (for leak scans)."""
        with self._lock:
            return list(self._issued)

    def admit(self, authorization: str | None) -> None:
        """Raises the 401 or 429 ApiError that a request with this Authorization header gets."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise ApiError(
                401, "No authentication bearer token specified in authorization header.", code="authentication.required"
            )
        now = time.monotonic()
        with self._lock:
            expiry = self._expiry_by_token.get(token)
            if expiry is None or expiry <= now:
                raise ApiError(401, "Invalid login credentials.", code="bad.credentials")
            limit = self._config.requests_per_minute
            if limit is None:
                return
            recent = self._recent_requests.setdefault(token, deque())
            while recent and recent[0] <= now - QUOTA_WINDOW_SECONDS:
                recent.popleft()
            if len(recent) >= limit:
                raise rate_limit_error(max(1, math.ceil(recent[0] + QUOTA_WINDOW_SECONDS - now)))
            recent.append(now)


def _basic_credentials(authorization: str | None) -> tuple[str, str]:
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        raise OAuthError(401, "invalid_client", "client credentials must be sent with HTTP Basic authentication")
    try:
        client_id, separator, client_secret = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        separator = ""
    if not separator:
        raise OAuthError(401, "invalid_client", "the Basic authorization header is malformed")
    return client_id, client_secret
