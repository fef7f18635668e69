"""Fixtures for the Genesys client tests: emulators over real loopback HTTP, recorded sleeps."""

import contextlib
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from wrapup_assets.emulator import EmulatorConfig, GenesysEmulator
from wrapup_assets.genesys.client import GenesysClient
from wrapup_assets.genesys.regions import endpoints_from_urls

HOUR = datetime(2024, 5, 1, 9, tzinfo=UTC)
# Three days after HOUR: every conversation of HOUR has ended and is settled.
SETTLED_NOW = datetime(2024, 5, 4, 9, tzinfo=UTC)
CLIENT_ID = "exporter-client"
SECRET = "emulator-secret-8c1f"


class RecordedSleeps(list):
    """A `sleep` that records the delays instead of waiting, so retry tests run fast."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def start_emulator() -> Iterator[Callable[..., GenesysEmulator]]:
    """Start emulators with chosen settings; all are stopped after the test."""
    with contextlib.ExitStack() as running:

        def start(**settings) -> GenesysEmulator:
            defaults = {
                "client_id": CLIENT_ID,
                "client_secret": SECRET,
                "now": SETTLED_NOW,
                "conversations_per_hour": 60,
            }
            return running.enter_context(GenesysEmulator(EmulatorConfig(**{**defaults, **settings})))

        yield start


@pytest.fixture
def genesys_emulator(start_emulator) -> GenesysEmulator:
    return start_emulator()


@pytest.fixture
def sleeps() -> RecordedSleeps:
    return RecordedSleeps()


@pytest.fixture
def connect(sleeps) -> Iterator[Callable[..., GenesysClient]]:
    """Build clients for an emulator that record their retry delays in `sleeps`."""
    with contextlib.ExitStack() as clients:

        def build(emulator: GenesysEmulator, client_secret: str = SECRET, **options) -> GenesysClient:
            client = GenesysClient(
                endpoints_from_urls(emulator.api_url, emulator.login_url),
                CLIENT_ID,
                client_secret,
                sleep=sleeps,
                **options,
            )
            return clients.enter_context(client)

        yield build


def settled_log(emulator: GenesysEmulator, entries: int) -> list:
    """The emulator's request log once it holds `entries` entries.

    The emulator logs a request after sending its response, so the client can finish before the
    last entry is written; the client's `request_count` says how many to wait for.
    """
    deadline = time.monotonic() + 2.0
    while len(emulator.request_log) < entries and time.monotonic() < deadline:
        time.sleep(0.005)
    return emulator.request_log
