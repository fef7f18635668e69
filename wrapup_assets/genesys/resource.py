"""The Dagster resource that hands assets a configured `GenesysClient`.

Which resource a deployment uses, and from which settings, is decided in one place
(`wrapup_assets.resources`); this module knows nothing of the emulator. A plain-http (loopback)
endpoint is never Genesys Cloud, so a run pointed at one is marked as synthetic: a run tag and a
warning in its log, whoever configured it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field

from wrapup_assets.genesys.client import GenesysClient
from wrapup_assets.genesys.errors import GenesysSettingsError
from wrapup_assets.genesys.regions import GenesysEndpoints, endpoints_for_region, endpoints_from_urls
from wrapup_assets.genesys.retry import RetryPolicy

logger = logging.getLogger("wrapup_assets.genesys")

SYNTHETIC_DATA_TAG = "wrapup/genesys"
"""Run tag set to `emulator` on every run whose Genesys endpoint is an emulator (synthetic data)."""
# Optional tuning, read from the environment by `wrapup_assets.settings`: variable -> (field, type).
TUNING_VARIABLES: dict[str, tuple[str, type]] = {
    "GENESYS_REQUESTS_PER_MINUTE": ("requests_per_minute", int),
    "GENESYS_PAGE_SIZE": ("page_size", int),
    "GENESYS_JOBS_PAGE_SIZE": ("jobs_page_size", int),
    "GENESYS_MAX_ATTEMPTS": ("max_attempts", int),
    "GENESYS_RETRY_BACKOFF_SECONDS": ("retry_backoff_seconds", float),
    "GENESYS_READ_TIMEOUT_SECONDS": ("read_timeout_seconds", float),
    "GENESYS_CA_BUNDLE": ("ca_bundle", str),
}


def mark_synthetic_run(context: dg.InitResourceContext, detail: str) -> None:
    """Tag the run `wrapup/genesys=emulator` and warn in its log, so the Runs page and the run's
    events tell synthetic data from a real org's."""
    (context.log or logger).warning(f"GENESYS EMULATOR: synthetic data, not a real org ({detail})")
    if context.instance is not None and context.run_id:
        context.instance.add_run_tags(context.run_id, {SYNTHETIC_DATA_TAG: "emulator"})


class GenesysCloudResource(dg.ConfigurableResource):
    """Genesys Cloud connection settings; assets call `get_client()` for a ready client.

    The settings are checked when a run starts (`setup_for_execution`), before any API call.
    """

    region: str | None = Field(
        default=None,
        description=(
            "Genesys Cloud region of the org, e.g. 'mypurecloud.ie' or 'usw2.pure.cloud' "
            "(GENESYS_REGION). Leave empty to give api_url and login_url instead."
        ),
    )
    api_url: str | None = Field(
        default=None,
        description=(
            "API base URL, scheme and host only, e.g. 'https://api.mypurecloud.ie' "
            "(GENESYS_API_URL). Used when region is empty."
        ),
    )
    login_url: str | None = Field(
        default=None,
        description=(
            "OAuth login base URL, scheme and host only, e.g. 'https://login.mypurecloud.ie' "
            "(GENESYS_LOGIN_URL). Used when region is empty."
        ),
    )
    client_id: str | None = Field(
        default=None,
        description="OAuth client-credentials client id (GENESYS_CLIENT_ID).",
    )
    client_secret: str | None = Field(
        default=None,
        description="OAuth client-credentials secret (GENESYS_CLIENT_SECRET); never logged.",
    )
    requests_per_minute: int = Field(
        default=240,
        description=(
            "Most API requests this client sends in any minute (GENESYS_REQUESTS_PER_MINUTE). "
            "Genesys counts its quota (about 300/min) per OAuth client: keep headroom."
        ),
    )
    page_size: int = Field(
        default=100,
        description="Conversations and wrap-up codes per page (GENESYS_PAGE_SIZE); 100 is safe.",
    )
    jobs_page_size: int = Field(
        default=1000,
        description=(
            "Conversations per details-job results page (GENESYS_JOBS_PAGE_SIZE); 1000 is unconfirmed, 100 is safe."
        ),
    )
    max_attempts: int = Field(
        default=6,
        description=(
            "Attempts per API call before giving up on 429, 5xx and connection errors (GENESYS_MAX_ATTEMPTS)."
        ),
    )
    retry_backoff_seconds: float = Field(
        default=1.0,
        description=(
            "Base of the exponential backoff between attempts when Genesys sends no Retry-After "
            "(GENESYS_RETRY_BACKOFF_SECONDS): attempt n waits up to base * 2^(n-1) seconds."
        ),
    )
    read_timeout_seconds: float = Field(
        default=60,
        description="Seconds to wait for Genesys to answer a request (GENESYS_READ_TIMEOUT_SECONDS).",
    )
    ca_bundle: str | None = Field(
        default=None,
        description=(
            "Path to a CA bundle for a TLS-inspecting proxy (GENESYS_CA_BUNDLE); certificates are always verified."
        ),
    )

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        """The secret is masked in repr() and str(), so a resource in a log or traceback shows '***'."""
        for name, value in super().__repr_args__():
            yield name, ("***" if name == "client_secret" and value else value)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Check the settings before any API call, and mark a run against an emulator."""
        self._validate_tuning()
        endpoints = self._endpoints()
        if endpoints.api_url.startswith("http://"):
            mark_synthetic_run(context, f"plain-http endpoint {endpoints.api_url}")

    def get_client(self) -> GenesysClient:
        """A new client for these settings; raises `GenesysSettingsError` naming the bad variable.

        Close it when done (it is a context manager).
        """
        self._validate_tuning()
        endpoints, client_id, client_secret = self._connection()
        return GenesysClient(
            endpoints,
            client_id,
            client_secret,
            retry_policy=RetryPolicy(max_attempts=self.max_attempts, backoff_base_seconds=self.retry_backoff_seconds),
            requests_per_minute=self.requests_per_minute,
            read_timeout_seconds=self.read_timeout_seconds,
            page_size=self.page_size,
            jobs_page_size=self.jobs_page_size,
            ca_bundle=self.ca_bundle,
        )

    def _connection(self) -> tuple[GenesysEndpoints, str, str]:
        """Endpoints and credentials the client uses (a sibling resource may serve its own)."""
        return (
            self._endpoints(),
            _required(self.client_id, "GENESYS_CLIENT_ID", "the OAuth client id"),
            _required(self.client_secret, "GENESYS_CLIENT_SECRET", "the OAuth client secret"),
        )

    def _endpoints(self) -> GenesysEndpoints:
        region = (self.region or "").strip()
        api_url = (self.api_url or "").strip()
        login_url = (self.login_url or "").strip()
        if region:
            if api_url or login_url:
                raise GenesysSettingsError("set either GENESYS_REGION or GENESYS_API_URL + GENESYS_LOGIN_URL, not both")
            return endpoints_for_region(region)
        if not api_url and not login_url:
            raise GenesysSettingsError(
                "no Genesys Cloud endpoint configured: set GENESYS_REGION (e.g. mypurecloud.ie) "
                "or GENESYS_API_URL + GENESYS_LOGIN_URL"
            )
        if not api_url:
            raise GenesysSettingsError(
                "GENESYS_API_URL is not set (needed with GENESYS_LOGIN_URL when GENESYS_REGION "
                "is not set), e.g. https://api.mypurecloud.ie"
            )
        if not login_url:
            raise GenesysSettingsError(
                "GENESYS_LOGIN_URL is not set (needed with GENESYS_API_URL when GENESYS_REGION "
                "is not set), e.g. https://login.mypurecloud.ie"
            )
        return endpoints_from_urls(api_url, login_url)

    def _validate_tuning(self) -> None:
        for variable, (name, kind) in TUNING_VARIABLES.items():
            value = getattr(self, name)
            if kind is not str and value <= 0:
                raise GenesysSettingsError(f"{variable} ({name}) must be positive, got {value}")
        if self.ca_bundle is not None and not Path(self.ca_bundle).exists():
            raise GenesysSettingsError(
                f"GENESYS_CA_BUNDLE (ca_bundle) names a file that does not exist: {self.ca_bundle!r}"
            )


def _required(value: str | None, variable: str, what: str) -> str:
    if value is None or not value.strip():
        raise GenesysSettingsError(f"{variable} is not set: it must hold {what}")
    return value
