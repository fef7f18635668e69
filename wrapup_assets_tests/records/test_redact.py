import copy

import msgspec

from wrapup_assets.records.redact import (
    PERSONAL_FLOW_FIELDS,
    PERSONAL_PARTICIPANT_FIELDS,
    PERSONAL_SEGMENT_FIELDS,
    PERSONAL_SESSION_FIELDS,
    REDACTED,
    redact_page,
)
from wrapup_assets_tests.records.conversations import (
    CODE_LABELS,
    HOUR_END,
    HOUR_START,
    acd,
    agent,
    agent_session,
    conversation,
    customer,
)
from wrapup_assets_tests.records.flattening import flatten_pages

LIST_FIELDS = {"callbackNumbers", "cc", "bcc", "destinationAddresses"}


def personal_value(name: str):
    if name == "attributes":
        return {"accountNumber": "IE29AIBK93115212345678", "customerName": "Jane Doe"}
    if name in LIST_FIELDS:
        return [f"{name}-one@example.com", f"{name}-two@example.com"]
    return f"personal {name}"


def page_with_every_personal_field() -> dict:
    session = agent_session(**{name: personal_value(name) for name in PERSONAL_SESSION_FIELDS})
    session["flow"] = {"flowId": "f1", "flowName": "Main IVR", "transferType": "ACD"} | {
        name: personal_value(name) for name in PERSONAL_FLOW_FIELDS
    }
    for each_segment in session["segments"]:
        each_segment |= {name: personal_value(name) for name in PERSONAL_SEGMENT_FIELDS}
    anna = agent(sessions=[session]) | {name: personal_value(name) for name in PERSONAL_PARTICIPANT_FIELDS}
    return {"conversations": [conversation(participants=[customer(), acd(), anna])], "totalHits": 1}


def without_personal_fields(page: dict) -> dict:
    stripped = copy.deepcopy(page)
    for each_conversation in stripped["conversations"]:
        for participant in each_conversation["participants"]:
            for name in PERSONAL_PARTICIPANT_FIELDS:
                participant.pop(name, None)
            for session in participant["sessions"]:
                for name in PERSONAL_SESSION_FIELDS:
                    session.pop(name, None)
                for name in PERSONAL_FLOW_FIELDS:
                    session.get("flow", {}).pop(name, None)
                for each_segment in session["segments"]:
                    for name in PERSONAL_SEGMENT_FIELDS:
                        each_segment.pop(name, None)
    return stripped


def test_every_personal_field_is_replaced():
    redacted = redact_page(page_with_every_personal_field())

    anna = redacted["conversations"][0]["participants"][2]
    session = anna["sessions"][0]
    assert anna["participantName"] == REDACTED
    assert anna["attributes"] == {}
    for name in PERSONAL_SESSION_FIELDS:
        assert session[name] == ([REDACTED, REDACTED] if name in LIST_FIELDS else REDACTED), name
    flow = session["flow"]
    assert {name: flow[name] for name in PERSONAL_FLOW_FIELDS} == dict.fromkeys(PERSONAL_FLOW_FIELDS, REDACTED)
    for each_segment in session["segments"]:
        assert {name: each_segment[name] for name in PERSONAL_SEGMENT_FIELDS} == dict.fromkeys(
            PERSONAL_SEGMENT_FIELDS, REDACTED
        )
    customer_session = redacted["conversations"][0]["participants"][0]["sessions"][0]
    assert (customer_session["ani"], customer_session["addressFrom"]) == (REDACTED, REDACTED)


def test_redaction_changes_nothing_else():
    original = page_with_every_personal_field()

    assert without_personal_fields(redact_page(original)) == without_personal_fields(original)


def test_redaction_leaves_its_input_untouched():
    original = page_with_every_personal_field()
    before = copy.deepcopy(original)

    redact_page(original)

    assert original == before


def test_absent_and_null_personal_fields_stay_as_they_were():
    session = agent_session(ani=None)
    del session["dnis"]
    page = {"conversations": [conversation(participants=[agent(sessions=[session])])]}

    redacted_session = redact_page(page)["conversations"][0]["participants"][0]["sessions"][0]

    assert redacted_session["ani"] is None
    assert "dnis" not in redacted_session


def test_redacted_json_page_flattens_to_the_same_records():
    page = page_with_every_personal_field()
    page_json = msgspec.json.encode(page)

    redacted_json = msgspec.json.encode(redact_page(page))  # as the raw pages asset keeps it

    assert b"personal" not in redacted_json and b"Jane Doe" not in redacted_json
    original_rows, _ = flatten_pages([page_json], HOUR_START, HOUR_END, CODE_LABELS)
    redacted_rows, _ = flatten_pages([redacted_json], HOUR_START, HOUR_END, CODE_LABELS)
    assert redacted_rows.equals(original_rows)


def test_page_without_conversations_is_unchanged():
    assert redact_page({"totalHits": 0}) == {"totalHits": 0}
