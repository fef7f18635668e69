"""OAuth client-credentials tokens for Genesys, fetched once and renewed before they lapse."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable

from wrapup_assets.genesys.errors import GenesysAuthError
from wrapup_assets.genesys.transport import RetryingTransport

TOKEN_PATH = "/oauth/token"
# Renew ahead of expiry so a token never lapses between being read and a request reaching Genesys.
MAX_REFRESH_MARGIN_SECONDS = 300.0
REFRESH_MARGIN_FRACTION = 0.1


class ClientCredentialsTokenProvider:
    """Hands out a bearer token for one OAuth client, renewing it near the end of its `expires_in`.

    `expires_in` is read from every token response: it is a per-client Genesys setting (often
    86399 s, sometimes 600 s). `invalidate()` drops the cached token after Genesys answers 401.
    """

    def __init__(
        self,
        transport: RetryingTransport,
        login_url: str,
        client_id: str,
        client_secret: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._transport = transport
        self._token_url = login_url.rstrip("/") + TOKEN_PATH
        self._client_secret = client_secret
        self._basic_credentials = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode("ascii")
        self._clock = clock
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock = threading.Lock()

    def access_token(self) -> str:
        """A token valid for a while yet, fetching a new one when needed."""
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                self._fetch()
            assert self._token is not None
            return self._token

    def invalidate(self) -> None:
        """Forget the cached token so the next `access_token()` fetches a new one."""
        with self._lock:
            self._token = None

    def _fetch(self) -> None:
        requested_at = self._clock()
        try:
            body = self._transport.exchange(
                "POST",
                self._token_url,
                path=TOKEN_PATH,
                headers={"Authorization": f"Basic {self._basic_credentials}"},
                form={"grant_type": "client_credentials"},
                error_type=GenesysAuthError,
                redact=(self._client_secret, self._basic_credentials),
            )
        except GenesysAuthError as error:
            if error.status not in (400, 401):
                raise
            raise GenesysAuthError(
                f"{error} (check GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET)",
                method=error.method,
                path=error.path,
                status=error.status,
                correlation_id=error.correlation_id,
                attempts=error.attempts,
                genesys_message=error.genesys_message,
            ) from None
        token = body.get("access_token")
        expires_in = body.get("expires_in")
        if (
            not isinstance(token, str)
            or not token
            or isinstance(expires_in, bool)
            or not isinstance(expires_in, int | float)
            or expires_in <= 0
        ):
            raise GenesysAuthError(
                f"POST {TOKEN_PATH} answered without a usable access_token and expires_in "
                f"(fields present: {sorted(body)})",
                method="POST",
                path=TOKEN_PATH,
                status=200,
            )
        margin = min(MAX_REFRESH_MARGIN_SECONDS, REFRESH_MARGIN_FRACTION * expires_in)
        self._token = token
        # Counted from before the request, so time spent in flight shortens the token's life.
        self._renew_at = requested_at + expires_in - margin
