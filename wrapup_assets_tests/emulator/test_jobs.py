from __future__ import annotations

from datetime import UTC, datetime

from wrapup_assets.emulator import GenesysEmulator
from wrapup_assets_tests.emulator.conftest import ApiSession

JOBS = "/api/v2/analytics/conversations/details/jobs"
MIDNIGHT = "2024-05-02T00:00:00.000Z/2024-05-02T01:00:00.000Z"


def run_job(api: ApiSession, body: dict[str, object], page_size: int = 10) -> list[str]:
    submitted = api.post(JOBS, body)
    assert submitted.status_code == 202, submitted.text
    job_id = submitted.json()["jobId"]
    assert api.get(f"{JOBS}/{job_id}").json()["state"] == "QUEUED"
    assert api.get(f"{JOBS}/{job_id}").json()["state"] == "FULFILLED"
    ids: list[str] = []
    cursor = None
    while True:
        page = api.get(f"{JOBS}/{job_id}/results", pageSize=page_size, **({"cursor": cursor} if cursor else {}))
        assert page.status_code == 200, page.text
        body_json = page.json()
        ids += [conversation["conversationId"] for conversation in body_json.get("conversations", [])]
        cursor = body_json.get("cursor")
        if cursor is None:
            return ids


def test_availability_is_the_clock_minus_the_lag_floored_to_the_hour(api: ApiSession) -> None:
    assert api.get(f"{JOBS}/availability").json() == {"dataAvailabilityDate": "2024-05-02T10:00:00.000Z"}


def test_job_past_the_availability_date_is_refused(api: ApiSession) -> None:
    response = api.post(JOBS, {"interval": "2024-05-02T10:00:00Z/2024-05-02T11:00:00Z"})
    assert response.status_code == 400


def test_job_matches_lifetime_overlap_including_the_previous_day(emulator: GenesysEmulator, api: ApiSession) -> None:
    previous_day = {
        conversation["conversationId"]
        for conversation in emulator.conversations_for_hour(datetime(2024, 5, 1, 23, tzinfo=UTC))
        if conversation["conversationEnd"] > "2024-05-02"
    }
    started = [c["conversationId"] for c in emulator.conversations_for_hour(datetime(2024, 5, 2, 0, tzinfo=UTC))]
    ids = run_job(api, {"interval": MIDNIGHT, "order": "asc", "orderBy": "conversationStart"})
    assert previous_day and previous_day <= set(ids)
    assert ids[len(previous_day) :] == started
    assert len(ids) == len(set(ids))


def test_start_of_day_matching_leaves_out_the_previous_day(emulator: GenesysEmulator, api: ApiSession) -> None:
    started = [c["conversationId"] for c in emulator.conversations_for_hour(datetime(2024, 5, 2, 0, tzinfo=UTC))]
    assert run_job(api, {"interval": MIDNIGHT, "startOfDayIntervalMatching": True}) == started


def test_limit_caps_the_result_set(api: ApiSession) -> None:
    assert len(run_job(api, {"interval": MIDNIGHT, "limit": 3})) == 3


def test_results_report_the_availability_date_and_page_size_is_capped(api: ApiSession) -> None:
    job_id = api.post(JOBS, {"interval": MIDNIGHT}).json()["jobId"]
    api.get(f"{JOBS}/{job_id}")
    api.get(f"{JOBS}/{job_id}")
    assert api.get(f"{JOBS}/{job_id}/results", pageSize=1001).status_code == 400
    page = api.get(f"{JOBS}/{job_id}/results", pageSize=1000).json()
    assert page["dataAvailabilityDate"] == "2024-05-02T10:00:00.000Z"
    assert "cursor" not in page


def test_deleted_job_is_gone(api: ApiSession) -> None:
    job_id = api.post(JOBS, {"interval": MIDNIGHT}).json()["jobId"]
    assert api.delete(f"{JOBS}/{job_id}").status_code == 204
    assert api.get(f"{JOBS}/{job_id}").status_code == 404


def test_unknown_job_is_not_found(api: ApiSession) -> None:
    response = api.get(f"{JOBS}/00000000-0000-4000-8000-000000000000/results")
    assert (response.status_code, response.json()["code"]) == (404, "not.found")
