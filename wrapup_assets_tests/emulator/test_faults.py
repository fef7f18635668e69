from __future__ import annotations

import pytest
import requests

from wrapup_assets.emulator import EmulatorConfig, Fault, FaultPlan, GenesysEmulator
from wrapup_assets.emulator.faults import faults_named
from wrapup_assets_tests.emulator.conftest import CONFIG, DETAILS_QUERY, ApiSession

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


def test_revoked_token_never_works_again_while_a_new_one_does(emulator: GenesysEmulator, api: ApiSession) -> None:
    emulator.faults.inject(Fault.revoke_token())
    assert api.details(NINE).status_code == 401
    assert api.details(NINE).status_code == 401
    fresh = ApiSession(emulator)
    assert fresh.details(NINE).status_code == 200
    assert emulator.issued_tokens() == [api.token, fresh.token]


def test_expired_tokens_stay_listed_as_issued(emulator: GenesysEmulator, api: ApiSession) -> None:
    emulator.expire_tokens()
    assert emulator.issued_tokens() == [api.token]


def test_page_shift_repeats_the_previous_pages_last_conversation_and_counts_it(
    emulator: GenesysEmulator, api: ApiSession
) -> None:
    def page(number: int) -> dict:
        return api.details(NINE, paging={"pageSize": 5, "pageNumber": number}).json()

    first, second = page(1), page(2)
    emulator.faults.inject(Fault.page_shift(), path_contains="details/query")
    shifted = page(2)
    assert shifted["conversations"][0] == first["conversations"][-1]
    assert shifted["conversations"][1:] == second["conversations"][:-1]
    assert shifted["totalHits"] == first["totalHits"] + 1
    assert page(3)["conversations"][0] == second["conversations"][-1]
    assert page(1) == {**first, "totalHits": first["totalHits"] + 1}


def test_total_hits_drift_misreports_one_page_only(emulator: GenesysEmulator, api: ApiSession) -> None:
    true_total = api.details(NINE).json()["totalHits"]
    emulator.faults.inject(Fault.total_hits_drift(-3), path_contains="details/query")
    assert api.details(NINE).json()["totalHits"] == true_total - 3
    assert api.details(NINE).json()["totalHits"] == true_total


def test_malformed_conversation_fault_adds_unknown_fields_and_drops_a_start(
    emulator: GenesysEmulator, api: ApiSession
) -> None:
    normal = api.details(NINE).json()
    emulator.faults.inject(Fault.malformed_conversation(), path_contains="details/query")
    broken = api.details(NINE).json()
    first = broken["conversations"][0]
    assert "conversationStart" not in first and first["conversationId"] == normal["conversations"][0]["conversationId"]
    assert all(c["futureConversationField"] == {"introduced": "later"} for c in broken["conversations"])
    assert broken["futurePageField"] is True
    assert broken["conversations"][1:] != normal["conversations"][1:]


def test_data_faults_elsewhere_serve_the_request_normally(emulator: GenesysEmulator, api: ApiSession) -> None:
    emulator.faults.inject(Fault.page_shift(), path_contains=CODES)
    assert api.get(CODES).status_code == 200
    assert [entry.fault for entry in emulator.request_log if entry.path == CODES] == [None]


@pytest.mark.parametrize(
    "state, results_status", [("FAILED", 400), ("EXPIRED", 404)], ids=["failed job", "expired job"]
)
def test_job_fault_ends_the_job_and_its_results_are_gone(
    emulator: GenesysEmulator, api: ApiSession, state: str, results_status: int
) -> None:
    jobs = "/api/v2/analytics/conversations/details/jobs"
    job_id = api.post(jobs, {"interval": "2024-05-01T09:00:00Z/2024-05-01T10:00:00Z"}).json()["jobId"]
    emulator.faults.inject(Fault.job(state), path_contains=job_id)
    status = api.get(f"{jobs}/{job_id}").json()
    assert status["state"] == state
    assert ("errorMessage" in status) is (state == "FAILED")
    assert api.get(f"{jobs}/{job_id}").json()["state"] == state
    assert api.get(f"{jobs}/{job_id}/results").status_code == results_status


def test_random_faults_hit_about_the_rate_reproducibly_and_scripted_ones_first(emulator: GenesysEmulator) -> None:
    def draws(seed: int) -> list[str | None]:
        plan = FaultPlan()
        plan.inject_random(0.2, faults_named(["503", "drop"]), seed=seed, path_contains="details")
        plan.inject(Fault.status(429), path_contains="details")
        return [fault.name if fault else None for fault in (plan.take(DETAILS_QUERY) for _ in range(1000))]

    first = draws(seed=1)
    assert first == draws(seed=1) != draws(seed=2)
    assert first[0] == "status-429"
    assert 150 <= sum(name is not None for name in first[1:]) <= 250
    assert set(first[1:]) == {None, "status-503", "drop_connection"}
    plan = FaultPlan()
    plan.inject_random(1.0, faults_named(["503"]), path_contains="details")
    assert plan.take(CODES) is None


def test_fault_rate_in_the_config_faults_requests_and_logs_their_names() -> None:
    config = EmulatorConfig(now=CONFIG.now, fault_rate=1.0, fault_kinds=("503",))
    with GenesysEmulator(config) as faulty:
        # Faults are served before authentication, as a gateway in front of Genesys would.
        response = requests.post(faulty.api_url + DETAILS_QUERY, json={"interval": NINE}, timeout=5)
        assert response.status_code == 503
        assert [entry.fault for entry in faulty.request_log] == ["status-503"]


def test_unknown_fault_names_list_the_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown fault 'flood'; valid faults: 429, 429-no-retry-after, 500"):
        faults_named(["503", "flood"])
    with pytest.raises(ValueError, match="unknown fault"):
        EmulatorConfig(fault_kinds=("flood",))
    with pytest.raises(ValueError, match="fault_rate must be between 0 and 1"):
        EmulatorConfig(fault_rate=1.5)


def test_the_result_cap_is_a_setting(api: ApiSession) -> None:
    with GenesysEmulator(EmulatorConfig(now=CONFIG.now, pagination_result_cap=10)) as capped:
        session = ApiSession(capped)
        assert session.details(NINE, paging={"pageSize": 5, "pageNumber": 2}).status_code == 200
        refused = session.details(NINE, paging={"pageSize": 5, "pageNumber": 3})
        assert (refused.status_code, refused.json()["message"]) == (400, "Pagination may not exceed 10 results.")
