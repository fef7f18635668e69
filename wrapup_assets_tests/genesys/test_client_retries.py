import logging
import re

import pytest

from wrapup_assets.emulator import Fault
from wrapup_assets.genesys.client import DETAILS_QUERY_PATH, GenesysClient
from wrapup_assets.genesys.errors import GenesysApiError, GenesysAuthError
from wrapup_assets.genesys.regions import endpoints_from_urls

from .conftest import CLIENT_ID, HOUR, SECRET, settled_log

CODES = "/api/v2/routing/wrapupcodes/divisionviews"


def statuses(emulator, path, client):
    log = settled_log(emulator, client.request_count)
    return [entry.status for entry in log if entry.path == path]


def test_429_waits_exactly_the_retry_after_seconds(genesys_emulator, connect, sleeps):
    genesys_emulator.faults.inject(Fault.status(429, retry_after=7), path_contains="/details/query")
    client = connect(genesys_emulator)
    pages = list(client.iter_conversation_detail_pages(HOUR, HOUR.replace(hour=10)))
    assert pages
    assert sleeps == [7.0]
    assert statuses(genesys_emulator, DETAILS_QUERY_PATH, client)[:2] == [429, 200]


def test_503_is_retried_after_a_jittered_backoff(genesys_emulator, connect, sleeps):
    genesys_emulator.faults.inject(Fault.status(503), path_contains=CODES)
    client = connect(genesys_emulator)
    assert client.list_wrapup_codes()
    assert len(sleeps) == 1 and 0.0 <= sleeps[0] <= 1.0
    assert statuses(genesys_emulator, CODES, client) == [503, 200]


@pytest.mark.parametrize("fault", [Fault.drop_connection(), Fault.truncated_body(), Fault.invalid_json()], ids=str)
def test_broken_responses_are_retried(genesys_emulator, connect, sleeps, fault):
    genesys_emulator.faults.inject(fault, path_contains=CODES)
    client = connect(genesys_emulator)
    codes = client.list_wrapup_codes()
    first_status = 0 if fault.kind == "drop_connection" else 200
    assert statuses(genesys_emulator, CODES, client) == [first_status, 200]
    assert codes == connect(genesys_emulator).list_wrapup_codes()
    assert len(sleeps) == 1


def test_truncated_token_response_is_retried(genesys_emulator, connect, sleeps):
    genesys_emulator.faults.inject(Fault.truncated_body(), path_contains="/oauth/token")
    client = connect(genesys_emulator)
    assert client.list_wrapup_codes()
    assert len(sleeps) == 1
    assert statuses(genesys_emulator, "/oauth/token", client) == [200, 200]


def test_read_timeout_is_retried(genesys_emulator, connect, sleeps):
    genesys_emulator.faults.inject(Fault.delay(1.0), path_contains=CODES)
    client = connect(genesys_emulator, read_timeout_seconds=0.2)
    assert client.list_wrapup_codes()
    assert len(sleeps) == 1


def test_expired_token_is_refreshed_once_then_the_call_succeeds(genesys_emulator, connect, sleeps):
    client = connect(genesys_emulator)
    client.list_wrapup_codes()
    genesys_emulator.expire_tokens()
    sent_before = client.request_count
    assert client.list_wrapup_codes()
    log = settled_log(genesys_emulator, client.request_count)[sent_before:]
    assert [(e.method, e.path, e.status) for e in log] == [
        ("GET", CODES, 401),
        ("POST", "/oauth/token", 200),
        ("GET", CODES, 200),
    ]
    assert sleeps == []


def test_401_with_a_fresh_token_is_an_auth_error(genesys_emulator, connect):
    genesys_emulator.faults.inject(Fault.status(401), path_contains=CODES, times=2)
    client = connect(genesys_emulator)
    with pytest.raises(GenesysAuthError) as raised:
        client.list_wrapup_codes()
    error = raised.value
    assert error.status == 401 and error.attempts == 2
    assert str(error) == (
        f"GET {CODES} failed after 2 attempts: HTTP 401 (correlation id {error.correlation_id}): "
        "Invalid login credentials. (a freshly issued token was refused too: check the OAuth "
        "client's roles)"
    )
    assert statuses(genesys_emulator, "/oauth/token", client) == [200, 200]


def test_exhausted_retries_name_the_call_status_and_attempts(genesys_emulator, connect, sleeps):
    genesys_emulator.faults.inject(Fault.status(503), path_contains="/details/query", times=6)
    client = connect(genesys_emulator)
    with pytest.raises(GenesysApiError) as raised:
        list(client.iter_conversation_detail_pages(HOUR, HOUR.replace(hour=10)))
    error = raised.value
    assert (error.method, error.path, error.status, error.attempts) == ("POST", DETAILS_QUERY_PATH, 503, 6)
    assert re.fullmatch(r"[0-9a-f-]{36}", error.correlation_id)
    assert str(error) == (
        f"POST {DETAILS_QUERY_PATH} failed after 6 attempts: HTTP 503 "
        f"(correlation id {error.correlation_id}): The service is currently unavailable."
    )
    assert SECRET not in str(error) and "Bearer" not in str(error)
    assert len(sleeps) == 5
    assert statuses(genesys_emulator, DETAILS_QUERY_PATH, client) == [503] * 6


def test_bad_request_is_not_retried_and_carries_the_genesys_message(genesys_emulator, connect, sleeps):
    with pytest.raises(GenesysApiError) as raised:
        connect(genesys_emulator).list_wrapup_codes(include_state="Everything")
    error = raised.value
    assert (error.status, error.attempts, sleeps) == (400, 1, [])
    assert error.genesys_message == ("includeState must be one of Active, Deleted, ActiveAndDeleted, got 'Everything'")


def test_bad_credentials_are_an_auth_error_without_the_secret(genesys_emulator, connect, sleeps):
    wrong_secret = "wrong-secret-5d2a"
    with pytest.raises(GenesysAuthError) as raised:
        connect(genesys_emulator, client_secret=wrong_secret).list_wrapup_codes()
    message = str(raised.value)
    assert message == (
        "POST /oauth/token failed after 1 attempt: HTTP 401: client not found or secret does "
        "not match (check GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET)"
    )
    assert wrong_secret not in repr(raised.value.__dict__)
    assert sleeps == []


def test_each_retry_is_logged_without_credentials(genesys_emulator, connect, sleeps, caplog):
    genesys_emulator.faults.inject(Fault.status(429, retry_after=3), path_contains=CODES)
    with caplog.at_level(logging.WARNING, logger="wrapup_assets.genesys"):
        connect(genesys_emulator).list_wrapup_codes()
    assert [record.getMessage() for record in caplog.records] == [
        f"Genesys GET {CODES}: HTTP 429 on attempt 1 of 6; retrying in 3.00 s"
    ]


def test_request_count_includes_the_token_and_retries(genesys_emulator, connect):
    genesys_emulator.faults.inject(Fault.status(502), path_contains=CODES)
    client = connect(genesys_emulator)
    client.list_wrapup_codes()
    assert client.request_count == 3
    assert len(settled_log(genesys_emulator, 3)) == 3


def test_tls_failure_is_not_retried_and_points_at_the_ca_bundle(genesys_emulator, sleeps):
    plain_http_port = genesys_emulator.api_url.rsplit(":", 1)[1]
    https_url = f"https://127.0.0.1:{plain_http_port}"
    with (
        GenesysClient(endpoints_from_urls(https_url, https_url), CLIENT_ID, SECRET, sleep=sleeps) as client,
        pytest.raises(GenesysAuthError) as raised,
    ):
        client.list_wrapup_codes()
    error = raised.value
    assert (error.status, error.attempts, sleeps) == (None, 1, [])
    assert str(error).startswith("POST /oauth/token failed after 1 attempt: no HTTP response: TLS failed (")
    assert str(error).endswith("point GENESYS_CA_BUNDLE at its CA certificate")
