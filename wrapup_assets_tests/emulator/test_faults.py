from __future__ import annotations

import pytest
import requests

from wrapup_assets.emulator import Fault, GenesysEmulator
from wrapup_assets_tests.emulator.conftest import DETAILS_QUERY, ApiSession

NINE = "2024-05-01T09:00:00.000Z/2024-05-01T10:00:00.000Z"
CODES = "/api/v2/routing/wrapupcodes"


def test_status_fault_answers_a_genesys_error_with_retry_after(emulator: GenesysEmulator, api: ApiSession) -> None:
    emulator.faults.inject(Fault.status(503, retry_after=5))
    response = api.details(NINE)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    body = response.json()
    assert (body["code"], body["status"], body["details"], body["errors"]) == ("service.unavailable", 503, [], [])
    assert api.details(NINE).status_code == 200


def test_429_fault_carries_the_rate_limit_code_and_message(emulator: GenesysEmulator, api: ApiSession) -> None:
    emulator.faults.inject(Fault.status(429, retry_after=7))
    response = api.details(NINE)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.json()["code"] == "too.many.requests.retry.after"
    assert response.json()["message"] == "Rate limit exceeded the maximum. Retry the request in [7] seconds"


def test_status_fault_without_retry_after_sends_no_header(emulator: GenesysEmulator, api: ApiSession) -> None:
    emulator.faults.inject(Fault.status(500))
    response = api.details(NINE)
    assert (response.status_code, response.json()["code"]) == (500, "internal.server.error")
    assert "Retry-After" not in response.headers


def test_dropped_connection_gives_no_response_and_is_logged_with_status_0(
    emulator: GenesysEmulator, api: ApiSession
) -> None:
    emulator.faults.inject(Fault.drop_connection())
    with pytest.raises(requests.ConnectionError):
        api.details(NINE)
    assert api.details(NINE).status_code == 200
    assert [entry.status for entry in emulator.request_log if entry.path == DETAILS_QUERY] == [0, 200]


def test_truncated_body_breaks_off_half_way(emulator: GenesysEmulator, api: ApiSession) -> None:
    emulator.faults.inject(Fault.truncated_body())
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        api.details(NINE, paging={"pageSize": 100})
    assert api.details(NINE).status_code == 200


def test_invalid_json_fault_answers_200_with_a_body_that_does_not_parse(
    emulator: GenesysEmulator, api: ApiSession
) -> None:
    emulator.faults.inject(Fault.invalid_json())
    response = api.details(NINE)
    assert response.status_code == 200
    with pytest.raises(requests.JSONDecodeError):
        response.json()


def test_delay_fault_provokes_the_client_read_timeout(emulator: GenesysEmulator, api: ApiSession) -> None:
    emulator.faults.inject(Fault.delay(0.5))
    with pytest.raises(requests.ReadTimeout):
        api.http.post(emulator.api_url + DETAILS_QUERY, json={"interval": NINE}, timeout=0.1)


def test_expire_token_fault_makes_the_request_unauthorized(emulator: GenesysEmulator, api: ApiSession) -> None:
    emulator.faults.inject(Fault.expire_token())
    response = api.details(NINE)
    assert (response.status_code, response.json()["code"]) == (401, "bad.credentials")
    assert api.details(NINE).status_code == 401


def test_faults_hit_only_matching_paths_the_given_number_of_times_in_order(
    emulator: GenesysEmulator, api: ApiSession
) -> None:
    emulator.faults.inject(Fault.status(502), path_contains="details/query", times=2)
    emulator.faults.inject(Fault.status(504), path_contains="details/query")
    assert api.get(CODES).status_code == 200
    assert [api.details(NINE).status_code for _ in range(4)] == [502, 502, 504, 200]


def test_cleared_faults_do_not_fire(emulator: GenesysEmulator, api: ApiSession) -> None:
    emulator.faults.inject(Fault.status(500), times=3)
    emulator.faults.clear()
    assert api.details(NINE).status_code == 200


def test_request_log_records_method_path_query_and_status(emulator: GenesysEmulator, api: ApiSession) -> None:
    emulator.clear_request_log()
    api.get(CODES, pageSize=5, pageNumber=2)
    [entry] = emulator.request_log
    assert (entry.method, entry.path, entry.query, entry.status) == ("GET", CODES, "pageSize=5&pageNumber=2", 200)
    assert entry.at.tzinfo is not None
