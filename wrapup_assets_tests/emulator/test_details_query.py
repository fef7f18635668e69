from __future__ import annotations

from datetime import UTC, datetime

import requests

from wrapup_assets.emulator import GenesysEmulator
from wrapup_assets_tests.emulator.conftest import CONFIG, DETAILS_QUERY, ApiSession

NINE = "2024-05-01T09:00:00.000Z/2024-05-01T10:00:00.000Z"
TEN = "2024-05-01T10:00:00.000Z/2024-05-01T11:00:00.000Z"
ENDED_ONLY = [
    {"type": "and", "predicates": [{"type": "dimension", "dimension": "conversationEnd", "operator": "exists"}]}
]


def conversation_ids(response: requests.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [conversation["conversationId"] for conversation in response.json().get("conversations", [])]


def test_pages_cover_every_hit_once_and_a_page_past_the_end_is_just_the_total(api: ApiSession) -> None:
    everything = api.details(NINE, paging={"pageSize": 100})
    total = everything.json()["totalHits"]
    assert 20 < total < 100
    paged = [
        conversation_ids(api.details(NINE, paging={"pageSize": 10, "pageNumber": number}))
        for number in range(1, total // 10 + 2)
    ]
    assert [len(page) for page in paged] == [10] * (total // 10) + [total % 10]
    assert sum(paged, []) == conversation_ids(everything)
    past_end = api.details(NINE, paging={"pageSize": 10, "pageNumber": total // 10 + 3})
    assert past_end.json() == {"totalHits": total}


def test_page_size_defaults_to_25(api: ApiSession) -> None:
    assert len(conversation_ids(api.details(NINE))) == 25


def test_page_size_above_100_is_a_bad_request(api: ApiSession) -> None:
    response = api.details(NINE, paging={"pageSize": 101})
    assert response.status_code == 400
    assert response.json()["code"] == "bad.request"


def test_paging_past_100000_results_is_refused_with_the_genesys_message(api: ApiSession) -> None:
    assert api.details(NINE, paging={"pageSize": 100, "pageNumber": 1000}).status_code == 200
    response = api.details(NINE, paging={"pageSize": 100, "pageNumber": 1001})
    assert response.status_code == 400
    assert response.json()["message"] == "Pagination may not exceed 100000 results."


def test_interval_longer_than_seven_days_is_a_bad_request(api: ApiSession) -> None:
    response = api.details("2024-04-20T00:00:00Z/2024-04-27T00:00:01Z")
    assert response.status_code == 400


def test_missing_interval_is_a_bad_request(api: ApiSession) -> None:
    assert api.post(DETAILS_QUERY, {"paging": {"pageSize": 10}}).status_code == 400


def test_conversation_crossing_the_hour_is_returned_for_both_hours(emulator: GenesysEmulator, api: ApiSession) -> None:
    crossing = [
        conversation["conversationId"]
        for conversation in emulator.conversations_for_hour(datetime(2024, 5, 1, 9, tzinfo=UTC))
        if conversation["conversationEnd"] > "2024-05-01T10:00"
    ]
    assert crossing
    nine = conversation_ids(api.details(NINE, paging={"pageSize": 100}))
    ten = conversation_ids(api.details(TEN, paging={"pageSize": 100}))
    assert set(crossing) <= set(nine) & set(ten)


def test_conversation_from_the_previous_day_is_not_returned_after_midnight(
    emulator: GenesysEmulator, api: ApiSession
) -> None:
    crossing_midnight = [
        conversation["conversationId"]
        for conversation in emulator.conversations_for_hour(datetime(2024, 5, 1, 23, tzinfo=UTC))
        if conversation["conversationEnd"] > "2024-05-02"
    ]
    assert crossing_midnight
    after_midnight = api.details("2024-05-02T00:00:00Z/2024-05-02T01:00:00Z", paging={"pageSize": 100})
    before_midnight = api.details("2024-05-01T23:00:00Z/2024-05-02T00:00:00Z", paging={"pageSize": 100})
    assert not set(crossing_midnight) & set(conversation_ids(after_midnight))
    assert set(crossing_midnight) <= set(conversation_ids(before_midnight))


def test_only_conversations_started_in_the_past_are_returned_and_late_ones_are_open(api: ApiSession) -> None:
    response = api.details("2024-05-03T11:00:00Z/2024-05-03T13:00:00Z", paging={"pageSize": 100})
    conversations = response.json()["conversations"]
    assert all(conversation["conversationStart"] < "2024-05-03T12:00" for conversation in conversations)
    open_ones = [conversation for conversation in conversations if "conversationEnd" not in conversation]
    assert open_ones
    for conversation in open_ones:
        segments = [
            segment
            for participant in conversation["participants"]
            for session in participant["sessions"]
            for segment in session["segments"]
        ]
        assert any("segmentEnd" not in segment for segment in segments)


def test_exists_filter_excludes_open_conversations(api: ApiSession) -> None:
    interval = "2024-05-03T11:00:00Z/2024-05-03T12:00:00Z"
    everything = api.details(interval, paging={"pageSize": 100}).json()["conversations"]
    ended = api.details(interval, paging={"pageSize": 100}, conversationFilters=ENDED_ONLY)
    assert conversation_ids(ended) == [
        conversation["conversationId"] for conversation in everything if "conversationEnd" in conversation
    ]
    assert ended.json()["totalHits"] < len(everything)


def test_unsupported_predicate_is_a_bad_request(api: ApiSession) -> None:
    filters = [{"type": "and", "predicates": [{"type": "dimension", "dimension": "mediaType", "value": "voice"}]}]
    assert api.details(NINE, conversationFilters=filters).status_code == 400


def test_descending_order_reverses_start_order(api: ApiSession) -> None:
    ascending = conversation_ids(api.details(NINE, paging={"pageSize": 100}))
    descending = conversation_ids(api.details(NINE, paging={"pageSize": 100}, order="desc"))
    assert descending == ascending[::-1]
    starts = [c["conversationStart"] for c in api.details(NINE, paging={"pageSize": 100}).json()["conversations"]]
    assert starts == sorted(starts)


def test_same_seed_gives_identical_bytes_from_two_emulators(api: ApiSession) -> None:
    body = {"interval": NINE, "paging": {"pageSize": 100}}
    with GenesysEmulator(CONFIG) as other:
        other_bytes = ApiSession(other).post(DETAILS_QUERY, body).content
    assert api.post(DETAILS_QUERY, body).content == other_bytes


def test_json_omits_null_fields_and_empty_arrays(api: ApiSession) -> None:
    def walk(value: object) -> None:
        if isinstance(value, dict):
            for item in value.values():
                assert item is not None and item != []
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(api.details(NINE, paging={"pageSize": 100}).json())


def test_malformed_json_body_is_a_bad_request(emulator: GenesysEmulator, api: ApiSession) -> None:
    response = api.http.post(
        emulator.api_url + DETAILS_QUERY, data=b"{not json", headers={"Content-Type": "application/json"}, timeout=10
    )
    assert response.status_code == 400
    assert response.json()["message"] == "The request body is not valid JSON"


def test_unknown_path_gets_a_genesys_not_found(api: ApiSession) -> None:
    response = api.get("/api/v2/analytics/conversations/summary")
    assert response.status_code == 404
    body = response.json()
    assert (body["code"], body["status"]) == ("not.found", 404)
    assert set(body) == {"message", "code", "status", "contextId", "details", "errors"}
