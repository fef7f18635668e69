from datetime import UTC, datetime

import msgspec
import pytest

from wrapup_assets.records.details_model import MalformedPageError
from wrapup_assets.records.flatten import RecordsBuilder
from wrapup_assets.records.schema import RECORD_SCHEMA
from wrapup_assets.records.window_rows import FlattenStats
from wrapup_assets_tests.records.conversations import (
    BORIS,
    CODE_LABELS,
    COMPLAINT_CODE,
    DELETED_CODE,
    DIVISION,
    HOUR_END,
    HOUR_START,
    SALES_QUEUE,
    SUPPORT_QUEUE,
    acd,
    agent,
    agent_session,
    conversation,
    customer,
    expected_row,
    metric,
    page,
    segment,
)
from wrapup_assets_tests.records.flattening import flatten_pages


def flatten(*pages: bytes):
    return flatten_pages(pages, HOUR_START, HOUR_END, CODE_LABELS)


def rows_of(*pages: bytes) -> list[dict]:
    table, _ = flatten(*pages)
    return table.to_pylist()


def test_simple_voice_call_yields_one_row_with_code_and_label():
    table, stats = flatten(page(conversation()))

    assert table.to_pylist() == [expected_row()]
    assert stats == FlattenStats(pages=1, conversations_seen=1, rows=1)


def test_output_schema_equals_record_schema_exactly():
    table, _ = flatten(page(conversation()))

    assert table.schema.equals(RECORD_SCHEMA, check_metadata=True)


def test_transferred_call_yields_one_row_per_agent():
    boris_session = agent_session(
        session_id="5e551011-0000-4000-8000-000000000b02", wrap_up_code=COMPLAINT_CODE, queue_id=SUPPORT_QUEUE
    )
    anna_blind_transfer = agent_session(wrap_up_code=None)
    call = conversation(
        participants=[
            customer(),
            acd(),
            agent(sessions=[anna_blind_transfer]),
            acd(SUPPORT_QUEUE),
            agent("a9e17000-aaaa-4bbb-8ccc-000000000004", BORIS, [boris_session]),
        ]
    )

    assert rows_of(page(call)) == [
        expected_row(wrap_up_code_id=None, wrap_up_code_label=None),
        expected_row(
            session_id="5e551011-0000-4000-8000-000000000b02",
            participant_id="a9e17000-aaaa-4bbb-8ccc-000000000004",
            agent_id=BORIS,
            queue_id=SUPPORT_QUEUE,
            wrap_up_code_id=COMPLAINT_CODE,
            wrap_up_code_label="Complaint",
        ),
    ]


def test_conversation_that_never_reached_an_agent_yields_no_row():
    abandoned_in_queue = conversation(participants=[customer(), acd()])
    alerted_but_not_answered = agent(
        sessions=[
            agent_session() | {"segments": [segment("alert", "2024-05-01T09:13:02.000Z", "2024-05-01T09:13:32.000Z")]}
        ]
    )
    missed = conversation("c0ffee00-1234-4abc-8def-000000000002", participants=[customer(), alerted_but_not_answered])

    table, stats = flatten(page(abandoned_in_queue, missed))

    assert table.num_rows == 0
    assert stats.conversations_without_agent_session == 2


def test_agent_session_without_wrap_up_has_null_code():
    skipped = agent_session(acwSkipped=True)
    skipped["segments"] = skipped["segments"][:2]
    skipped["metrics"] = [metric("tHandle", 303456)]

    assert rows_of(page(conversation(participants=[customer(), agent(sessions=[skipped])]))) == [
        expected_row(wrap_up_code_id=None, wrap_up_code_label=None, wrap_up_end=None, acw_ms=None, handle_ms=303456)
    ]


def test_wrap_up_timeout_literal_is_kept_without_label():
    timed_out = conversation(participants=[agent(sessions=[agent_session(wrap_up_code="ININ-WRAP-UP-TIMEOUT")])])

    assert rows_of(page(timed_out)) == [expected_row(wrap_up_code_id="ININ-WRAP-UP-TIMEOUT", wrap_up_code_label=None)]


def test_deleted_code_unknown_to_catalog_is_kept_without_label():
    deleted = conversation(participants=[agent(sessions=[agent_session(wrap_up_code=DELETED_CODE)])])

    assert rows_of(page(deleted)) == [expected_row(wrap_up_code_id=DELETED_CODE, wrap_up_code_label=None)]


def test_dialer_disposition_name_is_the_disposition_code():
    outbound = agent_session(
        direction="outbound",
        dispositionAnalyzer="disposition.classification.callable.person",
        dispositionName="disposition.classification.callable.person",
    )

    assert rows_of(page(conversation(participants=[agent(sessions=[outbound])]))) == [
        expected_row(direction="outbound", disposition_code_id="disposition.classification.callable.person")
    ]


def test_agent_without_user_id_has_null_agent_id():
    assert rows_of(page(conversation(participants=[agent(user_id=None)]))) == [expected_row(agent_id=None)]


def test_conversation_started_before_the_window_is_dropped_and_counted():
    yesterday_evening = conversation(start="2024-05-01T08:58:00.000Z", end="2024-05-01T09:05:00.000Z")

    table, stats = flatten(page(yesterday_evening))

    assert table.num_rows == 0
    assert stats.conversations_outside_window == 1
    assert stats.conversations_seen == 1


def test_window_end_is_exclusive():
    next_hour = conversation(start="2024-05-01T10:00:00.000Z", end="2024-05-01T10:05:00.000Z")

    _, stats = flatten(page(next_hour))

    assert stats.conversations_outside_window == 1


def test_open_conversation_is_dropped_and_counted():
    table, stats = flatten(page(conversation(end=None)))

    assert table.num_rows == 0
    assert stats.conversations_open == 1


def test_duplicate_across_two_pages_keeps_the_last_read():
    first_read = conversation(participants=[agent(sessions=[agent_session(wrap_up_code=None)])])
    later_read = conversation()

    table, stats = flatten(page(first_read), page(later_read))

    assert table.to_pylist() == [expected_row()]
    assert stats.duplicate_rows_dropped == 1
    assert stats.rows == 1


def test_later_read_of_a_conversation_replaces_all_its_earlier_sessions():
    earlier = conversation(
        participants=[agent(), agent("a9e17000-aaaa-4bbb-8ccc-000000000004", BORIS, [agent_session("gone")])]
    )

    table, stats = flatten(page(earlier), page(conversation()))

    assert table.to_pylist() == [expected_row()]
    assert stats.duplicate_rows_dropped == 2


def test_unknown_fields_at_every_level_are_ignored_and_counted_on_the_first_page():
    session = agent_session(futureSessionField={"nested": [1, 2]})
    session["segments"][2]["futureSegmentField"] = "x"
    session["metrics"][0]["futureMetricField"] = True
    participant = agent(sessions=[session]) | {"futureParticipantField": [None]}
    call = conversation(participants=[participant], futureConversationField=1.5)
    body = msgspec.json.encode({"conversations": [call], "totalHits": 1, "aggregations": [{"x": 1}]})

    table, stats = flatten(body)

    assert table.to_pylist() == [expected_row()]
    assert stats.unknown_fields == {
        "conversation.futureConversationField",
        "participant.futureParticipantField",
        "session.futureSessionField",
        "segment.futureSegmentField",
        "metric.futureMetricField",
    }


def test_documented_fields_are_not_unknown():
    _, stats = flatten(page(conversation()))

    assert stats.unknown_fields == set()


def test_missing_optional_fields_become_nulls():
    bare_session = {
        "sessionId": "5e551011-0000-4000-8000-000000000a11",
        "mediaType": "chat",
        "segments": [{"segmentType": "interact"}],
    }
    bare = {
        "conversationId": "c0ffee00-1234-4abc-8def-000000000001",
        "conversationStart": "2024-05-01T09:12:33.123Z",
        "conversationEnd": "2024-05-01T09:19:05.456Z",
        "participants": [
            {"participantId": "a9e17000-aaaa-4bbb-8ccc-000000000003", "purpose": "agent", "sessions": [bare_session]}
        ],
    }

    assert rows_of(page(bare)) == [
        expected_row(
            agent_id=None,
            queue_id=None,
            media_type="chat",
            direction=None,
            wrap_up_code_id=None,
            wrap_up_code_label=None,
            wrap_up_end=None,
            handle_ms=None,
            acw_ms=None,
            division_id=None,
        )
    ]


def quarantine_of(*pages: bytes) -> tuple[list[dict], FlattenStats, list]:
    builder = RecordsBuilder(HOUR_START, HOUR_END, CODE_LABELS)
    for body in pages:
        builder.add_page(body)
    return builder.finish().to_pylist(), builder.stats, builder.quarantine


def test_malformed_conversations_are_quarantined_with_reason_and_json_and_the_rest_of_the_page_kept():
    no_id = conversation()
    del no_id["conversationId"]
    bad_timestamp = conversation("c0ffee00-1234-4abc-8def-00000000bad1", start="yesterday at nine")
    naive_timestamp = conversation("c0ffee00-1234-4abc-8def-00000000bad2", start="2024-05-01T09:12:33")
    no_media = conversation("c0ffee00-1234-4abc-8def-00000000bad3", participants=[agent(sessions=[agent_session()])])
    del no_media["participants"][0]["sessions"][0]["mediaType"]

    rows, stats, quarantine = quarantine_of(page(no_id, bad_timestamp, conversation(), naive_timestamp, no_media))

    assert rows == [expected_row()]
    assert stats.conversations_seen == 5
    assert stats.conversations_malformed == 4
    assert [item.describe() for item in quarantine] == [
        "conversation #1 on page 1: Object missing required field `conversationId`",
        "conversation c0ffee00-1234-4abc-8def-00000000bad1: Invalid RFC3339 encoded datetime"
        " - at `$.conversationStart`",
        "conversation c0ffee00-1234-4abc-8def-00000000bad2: Expected `datetime` with a timezone component"
        " - at `$.conversationStart`",
        "conversation c0ffee00-1234-4abc-8def-00000000bad3: agent session 5e551011-0000-4000-8000-000000000a11"
        " without mediaType",
    ]
    assert [(item.page_number, item.position_on_page) for item in quarantine] == [(1, 1), (1, 2), (1, 4), (1, 5)]
    assert [msgspec.json.decode(item.conversation_json) for item in quarantine] == [
        no_id,
        bad_timestamp,
        naive_timestamp,
        no_media,
    ]


def test_conversation_that_decodes_but_breaks_the_contract_is_quarantined_from_a_clean_page():
    ends_before_start = conversation("c0ffee00-1234-4abc-8def-00000000bad4", end="2024-05-01T09:00:00.000Z")

    rows, stats, quarantine = quarantine_of(page(conversation()), page(conversation(), ends_before_start))

    assert rows == [expected_row()]
    assert stats.conversations_malformed == 1
    assert [(q.conversation_id, q.page_number, q.position_on_page, q.reason) for q in quarantine] == [
        ("c0ffee00-1234-4abc-8def-00000000bad4", 2, 2, "conversationEnd is before conversationStart")
    ]
    assert msgspec.json.decode(quarantine[0].conversation_json) == ends_before_start


def test_every_malformed_conversation_is_quarantined():
    broken = [conversation(f"c0ffee00-0000-4000-8000-{n:012d}", start="not a time") for n in range(25)]

    _, stats, quarantine = quarantine_of(page(*broken))

    assert stats.conversations_malformed == len(quarantine) == 25


def test_invalid_json_page_raises_naming_the_page():
    with pytest.raises(MalformedPageError, match=r"^details page 2 is malformed: invalid JSON") as raised:
        flatten(page(conversation()), b'{"conversations": [{"conversationId": "trunc')

    assert raised.value.page_number == 2


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"[]", "not a details page (Expected `object`, got `array`)"),
        (b'{"conversations": 7}', "not a details page (Expected `array`, got `int` - at `$.conversations`)"),
    ],
)
def test_page_that_is_not_a_details_page_raises(body, problem):
    with pytest.raises(MalformedPageError) as raised:
        flatten(body)

    assert str(raised.value) == f"details page 1 is malformed: {problem}"


def test_empty_page_is_valid_and_empty():
    table, stats = flatten(b'{"totalHits": 0}')

    assert table.num_rows == 0
    assert table.schema.equals(RECORD_SCHEMA, check_metadata=True)
    assert stats == FlattenStats(pages=1)


def test_handle_and_acw_metrics_are_summed():
    session = agent_session()
    session["metrics"] += [metric("tHandle", 1000), metric("tAcw", 500), metric("tHeld", 9999)]

    assert rows_of(page(conversation(participants=[agent(sessions=[session])]))) == [
        expected_row(handle_ms=364456, acw_ms=60500)
    ]


def test_queue_comes_from_the_wrapup_segment_when_it_has_one():
    session = agent_session(queue_id=SALES_QUEUE)
    session["segments"][2]["queueId"] = SUPPORT_QUEUE

    assert rows_of(page(conversation(participants=[agent(sessions=[session])]))) == [
        expected_row(queue_id=SUPPORT_QUEUE)
    ]


def test_queue_falls_back_to_the_last_interact_segment():
    session = agent_session(wrap_up_code=None)
    session["segments"] = [
        segment("interact", "2024-05-01T09:13:06.000Z", "2024-05-01T09:14:00.000Z", queueId=SUPPORT_QUEUE),
        segment("hold", "2024-05-01T09:14:00.000Z", "2024-05-01T09:15:00.000Z"),
        segment("interact", "2024-05-01T09:15:00.000Z", "2024-05-01T09:18:05.456Z", queueId=SALES_QUEUE),
    ]

    assert rows_of(page(conversation(participants=[agent(sessions=[session])]))) == [
        expected_row(wrap_up_code_id=None, wrap_up_code_label=None, wrap_up_end=None)
    ]


def test_last_non_null_wrap_up_code_wins():
    session = agent_session(wrap_up_code=COMPLAINT_CODE)
    session["segments"].append(
        segment("wrapup", "2024-05-01T09:19:05.456Z", "2024-05-01T09:19:30.000Z", wrapUpCode=None)
    )

    assert rows_of(page(conversation(participants=[agent(sessions=[session])]))) == [
        expected_row(
            wrap_up_code_id=COMPLAINT_CODE,
            wrap_up_code_label="Complaint",
            wrap_up_end=datetime(2024, 5, 1, 9, 19, 30, tzinfo=UTC),
        )
    ]


def test_offset_and_whole_second_timestamps_are_read_as_utc():
    call = conversation(start="2024-05-01T11:12:33+02:00", end="2024-05-01T09:19:05+00:00")

    assert rows_of(page(call)) == [
        expected_row(
            interaction_timestamp=datetime(2024, 5, 1, 9, 12, 33, tzinfo=UTC),
            conversation_end=datetime(2024, 5, 1, 9, 19, 5, tzinfo=UTC),
        )
    ]


def test_rows_are_sorted_by_start_then_key():
    later = conversation(
        "c0ffee00-1234-4abc-8def-000000000009", start="2024-05-01T09:40:00.000Z", end="2024-05-01T09:45:00.000Z"
    )
    earlier_b = conversation("c0ffee00-1234-4abc-8def-00000000000b", start="2024-05-01T09:05:00.000Z")
    earlier_a = conversation("c0ffee00-1234-4abc-8def-00000000000a", start="2024-05-01T09:05:00.000Z")

    table, _ = flatten(page(later, earlier_b), page(earlier_a))

    assert table["interaction_id"].to_pylist() == [
        "c0ffee00-1234-4abc-8def-00000000000a",
        "c0ffee00-1234-4abc-8def-00000000000b",
        "c0ffee00-1234-4abc-8def-000000000009",
    ]


def test_division_is_the_first_of_division_ids():
    call = conversation(divisionIds=["1111aaaa-0000-4000-8000-000000000001", DIVISION])

    assert rows_of(page(call)) == [expected_row(division_id="1111aaaa-0000-4000-8000-000000000001")]


def test_builder_rejects_naive_window():
    with pytest.raises(ValueError, match="tz-aware"):
        RecordsBuilder(datetime(2024, 5, 1, 9), datetime(2024, 5, 1, 10), CODE_LABELS)


def test_builder_is_used_once():
    builder = RecordsBuilder(HOUR_START, HOUR_END, CODE_LABELS)
    builder.finish()

    with pytest.raises(RuntimeError, match="used once"):
        builder.add_page(page(conversation()))


def test_dictionary_columns_stay_dictionaries_across_pages_with_different_values():
    other_queue = conversation(
        "c0ffee00-1234-4abc-8def-000000000002", participants=[agent(sessions=[agent_session(queue_id=SUPPORT_QUEUE)])]
    )

    table, _ = flatten(page(conversation()), page(other_queue))

    assert table.schema.equals(RECORD_SCHEMA, check_metadata=True)
    assert table["queue_id"].to_pylist() == [SALES_QUEUE, SUPPORT_QUEUE]


def test_same_session_id_in_two_conversations_is_not_a_duplicate():
    other = conversation("c0ffee00-1234-4abc-8def-000000000002")

    table, stats = flatten(page(conversation(), other))

    assert table.to_pylist() == [expected_row(), expected_row(interaction_id="c0ffee00-1234-4abc-8def-000000000002")]
    assert stats.duplicate_rows_dropped == 0


def test_session_listed_twice_in_one_read_keeps_the_last():
    first = agent(sessions=[agent_session(wrap_up_code=None)])
    second = agent(sessions=[agent_session()])

    table, stats = flatten(page(conversation(participants=[first, second])))

    assert table.to_pylist() == [expected_row()]
    assert stats.duplicate_rows_dropped == 1


def test_conversation_malformed_in_a_later_session_keeps_none_of_its_rows():
    second_without_media = agent_session("5e551011-0000-4000-8000-000000000b22")
    del second_without_media["mediaType"]
    broken = conversation(
        "c0ffee00-1234-4abc-8def-00000000bad5", participants=[agent(sessions=[agent_session(), second_without_media])]
    )

    rows, stats, quarantine = quarantine_of(page(conversation(), broken))

    assert rows == [expected_row()]
    assert stats.conversations_malformed == 1
    assert [item.describe() for item in quarantine] == [
        "conversation c0ffee00-1234-4abc-8def-00000000bad5: agent session 5e551011-0000-4000-8000-000000000b22"
        " without mediaType"
    ]
