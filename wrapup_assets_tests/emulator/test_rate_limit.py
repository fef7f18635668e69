from __future__ import annotations

from wrapup_assets.emulator import EmulatorConfig, GenesysEmulator
from wrapup_assets_tests.emulator.conftest import ApiSession

CODES = "/api/v2/routing/wrapupcodes"


def test_requests_past_the_quota_get_429_with_retry_after_and_the_genesys_body() -> None:
    with GenesysEmulator(EmulatorConfig(requests_per_minute=3)) as emulator:
        api = ApiSession(emulator)
        statuses = [api.get(CODES).status_code for _ in range(3)]
        limited = api.get(CODES)
    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    retry_after = int(limited.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    body = limited.json()
    assert body["code"] == "too.many.requests.retry.after"
    assert body["message"] == f"Rate limit exceeded the maximum. Retry the request in [{retry_after}] seconds"
    assert (body["status"], body["details"], body["errors"]) == (429, [], [])


def test_quota_is_per_token() -> None:
    with GenesysEmulator(EmulatorConfig(requests_per_minute=1)) as emulator:
        first, second = ApiSession(emulator), ApiSession(emulator)
        assert first.get(CODES).status_code == 200
        assert first.get(CODES).status_code == 429
        assert second.get(CODES).status_code == 200
