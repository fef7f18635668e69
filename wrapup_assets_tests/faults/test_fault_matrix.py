"""The fault matrix, one row per fault: what the client does (bounded retries, backoff, token
renewal, dedupe-friendly paging) and what a Dagster run of the hour ends with (the exact rows)."""

import pyarrow.parquet as pq
import pytest

from wrapup_assets.emulator import Fault, GenesysEmulator
from wrapup_assets.emulator.faults import FAULTS_BY_NAME
from wrapup_assets.genesys.client import DETAILS_QUERY_PATH

from .conftest import (
    HOUR,
    HOUR_END,
    HOUR_KEY,
    PAGE_SIZE,
    faults_seen,
    lake_files,
    materialize_hour,
    pipeline_resources,
    record_keys,
    sorted_rows,
)

RECORDS_DIR = "wrapup_records/year=2024/month=05/day=01/hour=09"
CODES_PATH = "/api/v2/routing/wrapupcodes/divisionviews"
DRIFT_DOWN = Fault.total_hits_drift(-1000)  # totalHits 0: a client trusting it would stop after page 1

# fault -> how the client waits before its single retry: a Retry-After is obeyed to the second,
# otherwise full jitter under the 1 s base; token, paging and count faults need no wait at all.
MATRIX: dict[str, tuple[Fault, str]] = {
    "429 with Retry-After": (FAULTS_BY_NAME["429"], "retry-after"),
    "429 without Retry-After": (FAULTS_BY_NAME["429-no-retry-after"], "backoff"),
    "500": (FAULTS_BY_NAME["500"], "backoff"),
    "502": (FAULTS_BY_NAME["502"], "backoff"),
    "503": (FAULTS_BY_NAME["503"], "backoff"),
    "504": (FAULTS_BY_NAME["504"], "backoff"),
    "read timeout": (FAULTS_BY_NAME["timeout"], "backoff"),
    "dropped connection": (FAULTS_BY_NAME["drop"], "backoff"),
    "truncated body": (FAULTS_BY_NAME["truncated"], "backoff"),
    "invalid JSON": (FAULTS_BY_NAME["invalid-json"], "backoff"),
    "expired token": (FAULTS_BY_NAME["expire-token"], "new token"),
    "revoked token": (FAULTS_BY_NAME["revoke-token"], "new token"),
    "page shift": (FAULTS_BY_NAME["page-shift"], "none"),
    "totalHits drift up": (FAULTS_BY_NAME["total-hits-drift"], "none"),
    "totalHits drift down": (DRIFT_DOWN, "none"),
}


def started_in_hour(pages: list[dict]) -> list[str]:
    """Conversation ids of the pages that started in HOUR, duplicates kept."""
    first, last = HOUR.strftime("%Y-%m-%dT%H"), HOUR_END.strftime("%Y-%m-%dT%H")
    return [
        conversation["conversationId"]
        for page in pages
        for conversation in page["conversations"]
        if first <= conversation["conversationStart"][:13] < last
    ]


def ended_in_hour(emulator: GenesysEmulator) -> set[str]:
    return {c["conversationId"] for c in emulator.conversations_for_hour(HOUR) if "conversationEnd" in c}


@pytest.mark.parametrize("fault, wait", MATRIX.values(), ids=MATRIX.keys())
def test_client_absorbs_the_fault_with_bounded_waits_and_misses_nothing(genesys_emulator, connect, sleeps, fault, wait):
    genesys_emulator.faults.inject(fault, path_contains="/details/query")
    client = connect(genesys_emulator, page_size=PAGE_SIZE, read_timeout_seconds=0.5)

    pages = list(client.iter_conversation_detail_pages(HOUR, HOUR_END))

    assert set(started_in_hour(pages)) == ended_in_hour(genesys_emulator)
    assert faults_seen(genesys_emulator, 1) == [fault.name]
    if wait == "retry-after":
        assert sleeps == [1.0]
    elif wait == "backoff":
        assert len(sleeps) == 1 and 0.0 <= sleeps[0] <= 1.0
    else:
        assert sleeps == []
    token_requests = [entry for entry in genesys_emulator.request_log if entry.path == "/oauth/token"]
    assert len(token_requests) == (2 if wait == "new token" else 1)


def test_page_shift_repeats_a_conversation_that_the_records_count_once(genesys_emulator, connect):
    genesys_emulator.faults.inject(Fault.page_shift(), path_contains="/details/query")
    pages = list(connect(genesys_emulator, page_size=PAGE_SIZE).iter_conversation_detail_pages(HOUR, HOUR_END))
    ids = [c["conversationId"] for page in pages for c in page["conversations"]]
    assert pages[1]["conversations"][0] == pages[0]["conversations"][-1]
    assert len(ids) == len(set(ids)) + 1


@pytest.mark.parametrize("fault", [fault for fault, _ in MATRIX.values()], ids=MATRIX.keys())
def test_the_hour_lands_exactly_despite_the_fault(fault_emulator, lake_dir, instance, fault):
    fault_emulator.faults.inject(fault, path_contains="/details/query")
    result = materialize_hour(pipeline_resources(fault_emulator, lake_dir), instance)

    assert result.success
    rows = pq.read_table(lake_dir / RECORDS_DIR / "part-00000.parquet").to_pylist()
    assert sorted_rows(rows) == sorted_rows(fault_emulator.expected_records(HOUR))
    assert len(rows) == len(set(record_keys(rows)))
    evaluations = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert {"record_schema", "key_unique"} <= set(evaluations) and all(evaluations.values())
    assert faults_seen(fault_emulator, 1) == [fault.name]


@pytest.mark.parametrize("path", [DETAILS_QUERY_PATH, CODES_PATH], ids=["details query", "wrap-up codes"])
def test_exhausted_retries_fail_the_run_naming_partition_endpoint_and_status_and_publish_nothing(
    fault_emulator, lake_dir, instance, path
):
    resources = pipeline_resources(fault_emulator, lake_dir)
    assert materialize_hour(resources, instance).success
    published = lake_files(lake_dir)

    fault_emulator.faults.inject(Fault.status(503), path_contains=path, times=3)
    failed = materialize_hour(resources, instance)

    assert not failed.success
    [failure] = failed.get_step_failure_events()
    error = failure.step_failure_data.error
    method = "POST" if path == DETAILS_QUERY_PATH else "GET"
    assert error.cls_name == "Failure"
    assert error.message.startswith(
        f"dagster._core.definitions.events.Failure: Exporting partition {HOUR_KEY} from Genesys failed: "
        f"{method} {path} failed after 3 attempts: HTTP 503 (correlation id "
    )
    assert error.message.rstrip().endswith(
        f"Nothing was published for {HOUR_KEY} (its previous version, if any, stays in the lake); "
        "re-run it when Genesys answers again."
    )
    assert error.cause.cls_name == "GenesysApiError"
    metadata = {key: value.value for key, value in failure.step_failure_data.user_failure_data.metadata.items()}
    assert {key: metadata[key] for key in ("partition", "endpoint", "last_status", "attempts")} == {
        "partition": HOUR_KEY,
        "endpoint": f"{method} {path}",
        "last_status": "503",
        "attempts": 3,
    }
    assert lake_files(lake_dir) == published  # the previous version stays, byte for byte, no staging left

    rerun = materialize_hour(resources, instance)
    assert rerun.success
    rows = pq.read_table(lake_dir / RECORDS_DIR / "part-00000.parquet").to_pylist()
    assert sorted_rows(rows) == sorted_rows(fault_emulator.expected_records(HOUR))


def test_a_first_export_that_fails_leaves_no_partition_behind(fault_emulator, lake_dir, instance):
    fault_emulator.faults.inject(Fault.drop_connection(), path_contains="/details/query", times=3)
    failed = materialize_hour(pipeline_resources(fault_emulator, lake_dir), instance)
    assert not failed.success
    message = failed.get_step_failure_events()[0].step_failure_data.error.message
    assert f"POST {DETAILS_QUERY_PATH} failed after 3 attempts: no HTTP response" in message
    assert [name for name in lake_files(lake_dir) if "hour=09" in name] == []


def test_revoked_credentials_fail_with_advice_on_the_client_settings(fault_emulator, lake_dir, instance):
    fault_emulator.faults.inject(Fault.status(401), path_contains=CODES_PATH, times=2)
    failed = materialize_hour(pipeline_resources(fault_emulator, lake_dir), instance)
    message = failed.get_step_failure_events()[0].step_failure_data.error.message
    assert f"Exporting partition {HOUR_KEY} from Genesys failed: GET {CODES_PATH} failed after 2 attempts" in message
    assert "check GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET and the OAuth client's roles, then re-run it" in message


def test_the_result_cap_splits_the_interval_and_the_hour_lands_exactly(start_emulator, lake_dir, instance):
    emulator = start_emulator(seed=5, conversations_per_hour=150, pagination_result_cap=30)
    result = materialize_hour(pipeline_resources(emulator, lake_dir), instance)

    assert result.success
    refusals = [entry for entry in emulator.request_log if entry.status == 400]
    assert refusals and all(entry.path == DETAILS_QUERY_PATH for entry in refusals)
    rows = pq.read_table(lake_dir / RECORDS_DIR / "part-00000.parquet").to_pylist()
    assert len(rows) > 30
    assert sorted_rows(rows) == sorted_rows(emulator.expected_records(HOUR))
