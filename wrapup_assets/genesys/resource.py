"""The Dagster resource that hands assets a configured `GenesysClient`, and its environment wiring."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from pydantic import Field, PrivateAttr

from wrapup_assets.genesys.client import GenesysClient
from wrapup_assets.genesys.errors import GenesysSettingsError
from wrapup_assets.genesys.regions import (
    GenesysEndpoints,
    endpoints_for_region,
    endpoints_from_urls,
)
from wrapup_assets.genesys.retry import RetryPolicy

logger = logging.getLogger("wrapup_assets.genesys")

CONNECTION_VARIABLES = (
    "GENESYS_REGION",
    "GENESYS_API_URL",
    "GENESYS_LOGIN_URL",
    "GENESYS_CLIENT_ID",
    "GENESYS_CLIENT_SECRET",
)
# Optional tuning read from the environment: variable -> (resource field, type).
TUNING_VARIABLES: dict[str, tuple[str, type]] = {
    "GENESYS_REQUESTS_PER_MINUTE": ("requests_per_minute", int),
    "GENESYS_PAGE_SIZE": ("page_size", int),
    "GENESYS_JOBS_PAGE_SIZE": ("jobs_page_size", int),
    "GENESYS_MAX_ATTEMPTS": ("max_attempts", int),
    "GENESYS_RETRY_BACKOFF_SECONDS": ("retry_backoff_seconds", float),
    "GENESYS_READ_TIMEOUT_SECONDS": ("read_timeout_seconds", float),
    "GENESYS_CA_BUNDLE": ("ca_bundle", str),
}
_VARIABLE_OF_FIELD = {field: variable for variable, (field, _) in TUNING_VARIABLES.items()}


class GenesysCloudResource(dg.ConfigurableResource):
    """Genesys Cloud connection settings; assets call `get_client()` for a ready client.

    With `use_embedded_emulator`, each run starts a local Genesys Cloud emulator with synthetic
    data and points the client at it, so the project runs end to end without credentials.
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
    use_embedded_emulator: bool = Field(
        default=False,
        description=(
            "Run against an embedded Genesys Cloud emulator with synthetic data instead of a "
            "real org (the default when no GENESYS_* credentials are configured)."
        ),
    )

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        """The secret is masked in repr() and str(), so a resource in a log or traceback shows '***'."""
        for name, value in super().__repr_args__():
            yield name, ("***" if name == "client_secret" and value else value)

    _emulator: Any = PrivateAttr(default=None)
    _emulator_config: Any = PrivateAttr(default=None)
    _emulator_stack: contextlib.ExitStack | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Start the embedded emulator for this run when asked to, and say so loudly."""
        if not self.use_embedded_emulator:
            return
        from wrapup_assets.emulator import GenesysEmulator
        from wrapup_assets.emulator.config import embedded_config_from_environment

        stack = contextlib.ExitStack()
        self._emulator_config = embedded_config_from_environment()
        self._emulator = stack.enter_context(GenesysEmulator(self._emulator_config))
        self._emulator_stack = stack
        (context.log or logger).warning(
            "NO GENESYS CREDENTIALS CONFIGURED: using the embedded Genesys Cloud emulator on "
            f"{self._emulator.api_url} — synthetic data, not your org"
            + (
                f"; faulting {self._emulator_config.fault_rate:.0%} of requests"
                if self._emulator_config.fault_rate
                else ""
            )
        )

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """Stop the embedded emulator, if this run started one."""
        if self._emulator_stack is not None:
            self._emulator_stack.close()
        self._emulator_stack = None
        self._emulator = None
        self._emulator_config = None

    def get_client(self) -> GenesysClient:
        """A new client for these settings; raises `GenesysSettingsError` naming the bad variable.

        Close it when done (it is a context manager).
        """
        self._validate_tuning()
        if self.use_embedded_emulator:
            if self._emulator is None:
                raise GenesysSettingsError(
                    "use_embedded_emulator is set but the emulator is not running: get_client() "
                    "works inside a Dagster run, where setup_for_execution starts it"
                )
            endpoints = endpoints_from_urls(self._emulator.api_url, self._emulator.login_url)
            client_id = self._emulator_config.client_id
            client_secret = self._emulator_config.client_secret
        else:
            endpoints = self._endpoints()
            client_id = _required(self.client_id, "GENESYS_CLIENT_ID", "the OAuth client id")
            client_secret = _required(self.client_secret, "GENESYS_CLIENT_SECRET", "the OAuth client secret")
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
        for field in (
            "requests_per_minute",
            "page_size",
            "jobs_page_size",
            "max_attempts",
            "retry_backoff_seconds",
            "read_timeout_seconds",
        ):
            value = getattr(self, field)
            if value <= 0:
                raise GenesysSettingsError(f"{_VARIABLE_OF_FIELD[field]} ({field}) must be positive, got {value}")
        if self.ca_bundle is not None and not os.path.exists(self.ca_bundle):
            raise GenesysSettingsError(
                f"GENESYS_CA_BUNDLE (ca_bundle) names a file that does not exist: {self.ca_bundle!r}"
            )


def genesys_resource_from_environment(
    environ: Mapping[str, str] = os.environ,
) -> GenesysCloudResource:
    """The resource for this deployment: the real org when any GENESYS_* connection variable is
    set, else the embedded emulator.

    Credentials and endpoints stay `EnvVar`s, read by Dagster at run start (a missing one fails
    the run before any API call, naming the variable) and never stored in the definitions.
    """
    tuning = _tuning_from_environment(environ)
    configured = [name for name in CONNECTION_VARIABLES if environ.get(name, "").strip()]
    if not configured:
        return GenesysCloudResource(use_embedded_emulator=True, **tuning)
    if "GENESYS_REGION" in configured:
        endpoint_settings: dict[str, Any] = {"region": dg.EnvVar("GENESYS_REGION")}
    else:
        endpoint_settings = {
            "api_url": dg.EnvVar("GENESYS_API_URL"),
            "login_url": dg.EnvVar("GENESYS_LOGIN_URL"),
        }
    return GenesysCloudResource(
        client_id=dg.EnvVar("GENESYS_CLIENT_ID"),
        client_secret=dg.EnvVar("GENESYS_CLIENT_SECRET"),
        **endpoint_settings,
        **tuning,
    )


def _tuning_from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    tuning: dict[str, Any] = {}
    for variable, (field, kind) in TUNING_VARIABLES.items():
        text = environ.get(variable, "").strip()
        if not text:
            continue
        try:
            tuning[field] = kind(text)
        except ValueError:
            noun = "an integer" if kind is int else "a number"
            raise GenesysSettingsError(f"{variable} must be {noun}, got {text!r}") from None
    return tuning


def _required(value: str | None, variable: str, what: str) -> str:
    if value is None or not value.strip():
        raise GenesysSettingsError(f"{variable} is not set: it must hold {what}")
    return value
