import math
import re
from datetime import timedelta

import pytest

from wrapup_assets.genesys.client import DETAILS_QUERY_PATH
from wrapup_assets.genesys.errors import PaginationLimitError

from .conftest import HOUR, settled_log

HOUR_END = HOUR + timedelta(hours=1)


def started_in_hour(pages):
    return [
        conversation["conversationId"]
        for page in pages
        for conversation in page["conversations"]
        if HOUR.isoformat().replace("+00:00", "")
        <= conversation["conversationStart"][:19]
        < HOUR_END.isoformat().replace("+00:00", "")
    ]


def expected_ids(emulator):
    return sorted(
        conversation["conversationId"]
        for conversation in emulator.conversations_for_hour(HOUR)
        if "conversationEnd" in conversation
    )


def test_pages_hold_exactly_the_hours_conversations_each_page_fetched_once(genesys_emulator, connect):
    client = connect(genesys_emulator, page_size=10)
    pages = list(client.iter_conversation_detail_pages(HOUR, HOUR_END))
    all_ids = [c["conversationId"] for page in pages for c in page["conversations"]]
    assert len(all_ids) == len(set(all_ids)) == pages[0]["totalHits"]
    assert sorted(started_in_hour(pages)) == expected_ids(genesys_emulator)
    assert len(pages) >= 3
    log = settled_log(genesys_emulator, client.request_count)
    queries = [e for e in log if e.path == DETAILS_QUERY_PATH]
    # Paging ends on the first short (or empty) page, whatever totalHits says.
    assert len(pages) == math.ceil(pages[0]["totalHits"] / 10)
    assert len(queries) == pages[0]["totalHits"] // 10 + 1


def test_pages_are_returned_as_genesys_sent_them(genesys_emulator, connect):
    page = next(connect(genesys_emulator).iter_conversation_detail_pages(HOUR, HOUR_END))
    assert set(page) == {"conversations", "totalHits"}


def test_hour_without_conversations_yields_no_pages(start_emulator, connect):
    emulator = start_emulator(now=HOUR - timedelta(days=1))
    client = connect(emulator)
    assert list(client.iter_conversation_detail_pages(HOUR, HOUR_END)) == []
    log = settled_log(emulator, client.request_count)
    assert [(e.path, e.status) for e in log] == [("/oauth/token", 200), (DETAILS_QUERY_PATH, 200)]


def test_interval_over_the_result_cap_is_paged_in_halves(genesys_emulator, connect):
    client = connect(genesys_emulator, page_size=10, pagination_result_cap=40)
    pages = list(client.iter_conversation_detail_pages(HOUR, HOUR_END))
    assert all(page["totalHits"] <= 40 for page in pages)
    assert sorted(set(started_in_hour(pages))) == expected_ids(genesys_emulator)


def test_interval_that_cannot_be_split_enough_raises_pagination_limit_error(genesys_emulator, connect):
    client = connect(genesys_emulator, pagination_result_cap=0)
    with pytest.raises(PaginationLimitError) as raised:
        list(client.iter_conversation_detail_pages(HOUR, HOUR_END))
    assert re.fullmatch(
        rf"POST {DETAILS_QUERY_PATH}: interval 2024-05-01T09:00:00.000Z/2024-05-01T09:01:52.500Z "
        r"matches \d+ conversations, more than the 0 a details query can page through, "
        r"and is too short to split further",
        str(raised.value),
    )


def test_empty_interval_is_refused_before_any_request(genesys_emulator, connect):
    client = connect(genesys_emulator)
    with pytest.raises(ValueError) as raised:
        client.iter_conversation_detail_pages(HOUR, HOUR)
    assert str(raised.value) == (
        "empty interval 2024-05-01T09:00:00.000Z/2024-05-01T09:00:00.000Z: start must precede end"
    )
    with pytest.raises(ValueError, match="naive datetime"):
        client.iter_conversation_detail_pages(HOUR.replace(tzinfo=None), HOUR_END)
    assert client.request_count == 0


def test_wrapup_codes_are_read_across_pages_deleted_ones_included(genesys_emulator, connect):
    client = connect(genesys_emulator, page_size=3)
    codes = client.list_wrapup_codes()
    single_page = client.request_json(
        "GET",
        "/api/v2/routing/wrapupcodes/divisionviews",
        params={"pageSize": 500, "includeState": "ActiveAndDeleted"},
    )
    assert codes == single_page["entities"]
    assert {code["id"]: code["name"] for code in codes} == genesys_emulator.wrapup_code_labels()
    assert len(client.list_wrapup_codes(include_state="Active")) < len(codes)


def test_aggregates_cover_the_hour_per_wrapup_code(genesys_emulator, connect):
    response = connect(genesys_emulator).aggregate_wrapup_codes(HOUR, HOUR_END)
    intervals = {bucket["interval"] for result in response["results"] for bucket in result["data"]}
    assert intervals == {"2024-05-01T09:00:00.000Z/2024-05-01T10:00:00.000Z"}
    metrics = {m["metric"] for r in response["results"] for b in r["data"] for m in b["metrics"]}
    assert metrics <= {"tHandle", "tAcw"} and "tAcw" in metrics
