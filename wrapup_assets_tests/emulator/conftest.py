"""An emulator on a fixed clock and a small authenticated HTTP client for it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from wrapup_assets.emulator import EmulatorConfig, GenesysEmulator

NOW = datetime(2024, 5, 3, 12, 0, tzinfo=UTC)
CONFIG = EmulatorConfig(seed=7, conversations_per_hour=60, now=NOW)
DETAILS_QUERY = "/api/v2/analytics/conversations/details/query"


class ApiSession:
    """A requests session holding a token for one emulator."""

    def __init__(self, emulator: GenesysEmulator) -> None:
        self.emulator = emulator
        self.http = requests.Session()
        self.token = fetch_token(emulator, self.http)
        self.http.headers["Authorization"] = f"Bearer {self.token}"

    def post(self, path: str, body: Any) -> requests.Response:
        return self.http.post(self.emulator.api_url + path, json=body, timeout=10)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.http.get(self.emulator.api_url + path, params=params, timeout=10)

    def delete(self, path: str) -> requests.Response:
        return self.http.delete(self.emulator.api_url + path, timeout=10)

    def details(self, interval: str, **extra: Any) -> requests.Response:
        return self.post(DETAILS_QUERY, {"interval": interval, **extra})


def fetch_token(emulator: GenesysEmulator, http: requests.Session | None = None) -> str:
    response = (http or requests.Session()).post(
        emulator.login_url + "/oauth/token",
        auth=(emulator.config.client_id, emulator.config.client_secret),
        data={"grant_type": "client_credentials"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["access_token"]


@pytest.fixture
def emulator() -> Iterator[GenesysEmulator]:
    with GenesysEmulator(CONFIG) as running:
        yield running


@pytest.fixture
def api(emulator: GenesysEmulator) -> Iterator[ApiSession]:
    session = ApiSession(emulator)
    yield session
    session.http.close()
