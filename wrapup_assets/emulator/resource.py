"""The Genesys resource's sibling for the embedded emulator: each run starts its own emulator.

Chosen by `wrapup_assets.resources` when no GENESYS_* connection variable is set, so the demo and
`dagster dev` work without credentials; production modules never import it. It is a
`GenesysCloudResource` (assets ask for that type) whose endpoints and credentials are the
emulator's.
"""

from __future__ import annotations

import contextlib

import dagster as dg
from pydantic import PrivateAttr

from wrapup_assets.emulator.config import EmulatorConfig, embedded_config_from_environment
from wrapup_assets.emulator.server import GenesysEmulator
from wrapup_assets.genesys.errors import GenesysSettingsError
from wrapup_assets.genesys.regions import GenesysEndpoints, endpoints_from_urls
from wrapup_assets.genesys.resource import GenesysCloudResource, mark_synthetic_run


class EmbeddedEmulatorResource(GenesysCloudResource):
    """Runs against an emulator started for the run, with synthetic data, and says so loudly."""

    _emulator: GenesysEmulator | None = PrivateAttr(default=None)
    _config: EmulatorConfig | None = PrivateAttr(default=None)
    _stack: contextlib.ExitStack | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Start the emulator for this run, tag the run and warn in its log."""
        self._validate_tuning()
        stack = contextlib.ExitStack()
        self._config = embedded_config_from_environment()
        self._emulator = stack.enter_context(GenesysEmulator(self._config))
        self._stack = stack
        faults = f"; faulting {self._config.fault_rate:.0%} of requests" if self._config.fault_rate else ""
        mark_synthetic_run(
            context, f"NO GENESYS CREDENTIALS CONFIGURED: embedded emulator on {self._emulator.api_url}{faults}"
        )

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """Stop this run's emulator."""
        if self._stack is not None:
            self._stack.close()
        self._stack = self._emulator = self._config = None

    def _connection(self) -> tuple[GenesysEndpoints, str, str]:
        if self._emulator is None or self._config is None:
            raise GenesysSettingsError(
                "the embedded emulator is not running: get_client() works inside a Dagster run, "
                "where setup_for_execution starts it"
            )
        endpoints = endpoints_from_urls(self._emulator.api_url, self._emulator.login_url)
        return endpoints, self._config.client_id, self._config.client_secret
