"""The async details jobs flow against the emulator over loopback HTTP: submit, poll QUEUED ->
FULFILLED, cursor paging, delete; FAILED and EXPIRED jobs, a job outlasting the wait, a results
page failing for good. Waits are recorded, not slept (the client's `sleep`)."""

from datetime import UTC, datetime, timedelta

import pytest

from wrapup_assets.emulator.faults import Fault
from wrapup_assets.genesys.client import DETAILS_JOBS_PATH
from wrapup_assets.genesys.details_jobs import DetailsJobError, JobPolling, fulfilled_details_job
from wrapup_assets.genesys.errors import GenesysApiError
from wrapup_assets.genesys.retry import RetryPolicy
from wrapup_assets_tests.backfill.request_log import job_endpoint

from .conftest import HOUR, settled_log

DAY = datetime(2024, 5, 1, tzinfo=UTC)
DAY_END = DAY + timedelta(days=1)


def job_ids_started_in_day(emulator) -> list[str]:
    return [
        conversation["conversationId"]
        for hour in range(24)
        for conversation in emulator.conversations_for_hour(DAY + timedelta(hours=hour))
        if "conversationEnd" in conversation
    ]


def endpoints(log) -> list[tuple[str, str, int]]:
    return [(entry.method, job_endpoint(entry.path), entry.status) for entry in log]


def test_polling_waits_grow_to_the_cap_and_stop_within_the_bound() -> None:
    polling = JobPolling(first_delay_seconds=0.5, max_delay_seconds=4, max_wait_seconds=20)
    assert list(polling.delays()) == [0.5, 1, 2, 4, 4, 4, 4]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"first_delay_seconds": 0}, "0 < first_delay_seconds <= max_delay_seconds"),
        ({"first_delay_seconds": 5, "max_delay_seconds": 1}, "0 < first_delay_seconds <= max_delay_seconds"),
        ({"max_wait_seconds": 0.1}, "is shorter than the first delay"),
    ],
)
def test_polling_settings_that_cannot_work_are_refused(settings, message) -> None:
    with pytest.raises(ValueError, match=message):
        JobPolling(**settings)


def test_availability_is_the_emulators_data_availability_date(genesys_emulator, connect) -> None:
    # The emulator's clock is 2024-05-04T09:00Z and its jobs lag 26 hours, floored to the hour.
    assert connect(genesys_emulator).details_jobs_availability() == datetime(2024, 5, 3, 7, tzinfo=UTC)


def test_a_job_is_submitted_polled_until_fulfilled_read_by_cursor_and_deleted(
    genesys_emulator, connect, sleeps
) -> None:
    client = connect(genesys_emulator, jobs_page_size=500)
    with fulfilled_details_job(client, DAY, DAY_END) as job_id:
        pages = list(client.iter_details_job_pages(job_id))

    conversations = [c for page in pages for c in page["conversations"]]
    ids = [c["conversationId"] for c in conversations]
    started_in_day = [c["conversationId"] for c in conversations if c["conversationStart"] >= "2024-05-01"]
    # Lifetime overlap: the day's ended conversations in start order, after those of the evening before.
    assert started_in_day == job_ids_started_in_day(genesys_emulator)
    assert len(ids) == len(set(ids)) > 500
    assert all(c["conversationStart"] < "2024-05-02" and "conversationEnd" in c for c in conversations)
    assert len(pages) == len(ids) // 500 + 1
    assert all("cursor" in page for page in pages[:-1]) and "cursor" not in pages[-1]
    assert sleeps == [0.5, 1.0]  # QUEUED on the first poll, FULFILLED on the second
    log = settled_log(genesys_emulator, client.request_count)
    assert endpoints(log) == [
        ("POST", "/oauth/token", 200),
        ("POST", DETAILS_JOBS_PATH, 202),
        ("GET", f"{DETAILS_JOBS_PATH}/{{id}}", 200),
        ("GET", f"{DETAILS_JOBS_PATH}/{{id}}", 200),
        *[("GET", f"{DETAILS_JOBS_PATH}/{{id}}/results", 200)] * len(pages),
        ("DELETE", f"{DETAILS_JOBS_PATH}/{{id}}", 204),
    ]
    assert [entry.query for entry in log if entry.path.endswith("/results")][0] == "pageSize=500"


@pytest.mark.parametrize("state", ["FAILED", "EXPIRED"])
def test_a_job_genesys_ends_without_results_is_an_error_naming_the_job_and_state(
    start_emulator, connect, sleeps, state
) -> None:
    emulator = start_emulator()
    emulator.faults.inject(Fault.job(state), path_contains=f"{DETAILS_JOBS_PATH}/")
    client = connect(emulator)
    with pytest.raises(DetailsJobError) as raised, fulfilled_details_job(client, HOUR, HOUR + timedelta(hours=1)):
        pytest.fail("a job that ended without results is never handed out")

    job_id = raised.value.job_id
    assert raised.value.state == state
    assert str(raised.value).startswith(
        f"details job {job_id} for 2024-05-01T09:00:00.000Z/2024-05-01T10:00:00.000Z ended {state}"
    )
    assert str(raised.value).endswith("; its results are gone, run the partitions again to submit a new job")
    assert sleeps == [0.5]
    # Nothing left to cancel: no DELETE.
    assert [method for method, _, _ in endpoints(settled_log(emulator, client.request_count))] == [
        "POST",
        "POST",
        "GET",
    ]


def test_a_job_still_running_when_the_wait_runs_out_is_cancelled(genesys_emulator, connect, sleeps) -> None:
    client = connect(genesys_emulator)
    polling = JobPolling(first_delay_seconds=1, max_delay_seconds=1, max_wait_seconds=1)
    with pytest.raises(DetailsJobError) as raised, fulfilled_details_job(client, DAY, DAY_END, polling):
        pytest.fail("a job still QUEUED is never handed out")

    assert raised.value.state == "QUEUED"
    assert f"details job {raised.value.job_id} for " in str(raised.value)
    assert "is still QUEUED after 1 s of waiting (max_wait_seconds=1); it was cancelled" in str(raised.value)
    assert sleeps == [1]
    log = settled_log(genesys_emulator, client.request_count)
    assert endpoints(log)[-1] == ("DELETE", f"{DETAILS_JOBS_PATH}/{{id}}", 204)


def test_a_results_page_failing_for_good_cancels_the_job_and_raises_the_api_error(genesys_emulator, connect) -> None:
    client = connect(genesys_emulator, retry_policy=RetryPolicy(max_attempts=2))
    genesys_emulator.faults.inject(Fault.status(503), path_contains="/results", times=2)
    with pytest.raises(GenesysApiError) as raised, fulfilled_details_job(client, DAY, DAY_END) as job_id:
        list(client.iter_details_job_pages(job_id))

    assert raised.value.status == 503
    assert raised.value.path == f"{DETAILS_JOBS_PATH}/{job_id}/results"
    log = settled_log(genesys_emulator, client.request_count)
    assert endpoints(log)[-3:] == [
        ("GET", f"{DETAILS_JOBS_PATH}/{{id}}/results", 503),
        ("GET", f"{DETAILS_JOBS_PATH}/{{id}}/results", 503),
        ("DELETE", f"{DETAILS_JOBS_PATH}/{{id}}", 204),
    ]


def test_an_interval_past_the_availability_date_is_refused_by_genesys(genesys_emulator, connect) -> None:
    client = connect(genesys_emulator)
    with pytest.raises(GenesysApiError) as raised:
        client.submit_details_job(datetime(2024, 5, 3, 7, tzinfo=UTC), datetime(2024, 5, 3, 8, tzinfo=UTC))
    assert raised.value.status == 400
    assert "after the data availability date 2024-05-03T07:00:00.000Z" in str(raised.value)
