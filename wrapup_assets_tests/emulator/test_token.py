from __future__ import annotations

import requests

from wrapup_assets.emulator import EmulatorConfig, GenesysEmulator
from wrapup_assets_tests.emulator.conftest import DETAILS_QUERY, ApiSession

INTERVAL = "2024-05-01T09:00:00.000Z/2024-05-01T10:00:00.000Z"


def test_good_credentials_get_a_bearer_token_with_the_configured_lifetime(emulator: GenesysEmulator) -> None:
    response = requests.post(
        emulator.login_url + "/oauth/token",
        auth=("emulator-client", "emulator-secret"),
        data={"grant_type": "client_credentials"},
        timeout=10,
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert (body["token_type"], body["expires_in"]) == ("bearer", 86399)


def test_bad_credentials_are_refused_as_invalid_client(emulator: GenesysEmulator) -> None:
    response = requests.post(
        emulator.login_url + "/oauth/token",
        auth=("emulator-client", "wrong-secret"),
        data={"grant_type": "client_credentials"},
        timeout=10,
    )
    assert response.status_code == 401
    assert response.json() == {
        "error": "invalid_client",
        "description": "client not found or secret does not match",
    }


def test_another_grant_type_is_a_bad_request(emulator: GenesysEmulator) -> None:
    response = requests.post(
        emulator.login_url + "/oauth/token",
        auth=("emulator-client", "emulator-secret"),
        data={"grant_type": "password"},
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_api_call_without_token_needs_authentication(emulator: GenesysEmulator) -> None:
    response = requests.post(emulator.api_url + DETAILS_QUERY, json={"interval": INTERVAL}, timeout=10)
    assert response.status_code == 401
    body = response.json()
    assert (body["code"], body["status"], body["details"], body["errors"]) == ("authentication.required", 401, [], [])


def test_expired_tokens_get_bad_credentials(emulator: GenesysEmulator, api: ApiSession) -> None:
    assert api.details(INTERVAL).status_code == 200
    emulator.expire_tokens()
    response = api.details(INTERVAL)
    assert response.status_code == 401
    assert response.json()["code"] == "bad.credentials"


def test_unknown_token_gets_bad_credentials(emulator: GenesysEmulator) -> None:
    response = requests.post(
        emulator.api_url + DETAILS_QUERY,
        json={"interval": INTERVAL},
        headers={"Authorization": "Bearer not-a-token"},
        timeout=10,
    )
    assert response.status_code == 401
    assert response.json()["code"] == "bad.credentials"


def test_token_life_follows_the_configured_ttl() -> None:
    with GenesysEmulator(EmulatorConfig(token_ttl_seconds=0)) as short_lived:
        session = ApiSession(short_lived)
        response = session.details(INTERVAL)
    assert response.status_code == 401
    assert response.json()["code"] == "bad.credentials"
