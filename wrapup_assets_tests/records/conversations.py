"""Real-shaped Genesys conversation-details JSON, built by hand for the record-contract tests.

Shapes follow the SDK's AnalyticsConversation models: camelCase keys, nulls and empty arrays omitted,
ISO 8601 UTC timestamps with a trailing Z.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

HOUR_START = datetime(2024, 5, 1, 9, tzinfo=UTC)
HOUR_END = HOUR_START + timedelta(hours=1)

DIVISION = "7b9d2a4e-0c1f-4e8a-9b3d-5f6a7c8d9e01"
SALES_QUEUE = "3f1e7c52-8a4b-4d6e-b1c9-0a2b3c4d5e6f"
SUPPORT_QUEUE = "9c8b7a65-4321-4fed-8cba-0987654321fe"
ANNA = "a1b2c3d4-0000-4000-8000-00000000a11a"
BORIS = "b2c3d4e5-0000-4000-8000-0000000b0215"
SALE_CODE = "e4d3c2b1-1111-4222-8333-444455556666"
COMPLAINT_CODE = "f5e4d3c2-2222-4333-8444-555566667777"
DELETED_CODE = "0d0d0d0d-dead-4bad-8bad-0000deadc0de"
CODE_LABELS = {SALE_CODE: "Sale", COMPLAINT_CODE: "Complaint"}


def segment(segment_type: str, start: str, end: str, **fields: Any) -> dict:
    return {"segmentStart": start, "segmentEnd": end, "segmentType": segment_type, **fields}


def metric(name: str, value: int) -> dict:
    return {"name": name, "value": value, "emitDate": "2024-05-01T09:20:00.000Z"}


def customer(address: str = "tel:+353861234567") -> dict:
    return {
        "participantId": "c0570e11-aaaa-4bbb-8ccc-000000000001",
        "participantName": "Jane Doe",
        "purpose": "customer",
        "sessions": [
            {
                "sessionId": "c0570e11-aaaa-4bbb-8ccc-0000000000s1",
                "mediaType": "voice",
                "direction": "inbound",
                "ani": address,
                "dnis": "tel:+35315550100",
                "addressFrom": address,
                "addressTo": "tel:+35315550100",
                "segments": [segment("interact", "2024-05-01T09:12:33.123Z", "2024-05-01T09:18:05.456Z")],
            }
        ],
    }


def acd(queue_id: str = SALES_QUEUE) -> dict:
    return {
        "participantId": "acd00000-aaaa-4bbb-8ccc-000000000002",
        "participantName": "Sales",
        "purpose": "acd",
        "sessions": [
            {
                "sessionId": "acd00000-aaaa-4bbb-8ccc-0000000000s2",
                "mediaType": "voice",
                "direction": "inbound",
                "segments": [
                    segment("interact", "2024-05-01T09:12:40.000Z", "2024-05-01T09:13:02.000Z", queueId=queue_id)
                ],
            }
        ],
    }


def agent_session(
    session_id: str = "5e551011-0000-4000-8000-000000000a11",
    wrap_up_code: str | None = SALE_CODE,
    queue_id: str = SALES_QUEUE,
    **fields: Any,
) -> dict:
    """An answered voice session: alert, interact, then wrap-up with the given code."""
    wrapup = segment("wrapup", "2024-05-01T09:18:05.456Z", "2024-05-01T09:19:05.456Z", queueId=queue_id)
    if wrap_up_code is not None:
        wrapup |= {"wrapUpCode": wrap_up_code, "wrapUpNote": "Customer bought the premium plan"}
    return {
        "sessionId": session_id,
        "mediaType": "voice",
        "direction": "inbound",
        "ani": "tel:+353861234567",
        "dnis": "tel:+35315550100",
        "metrics": [metric("tAlert", 4000), metric("tTalk", 303456), metric("tHandle", 363456), metric("tAcw", 60000)],
        "segments": [
            segment("alert", "2024-05-01T09:13:02.000Z", "2024-05-01T09:13:06.000Z", queueId=queue_id),
            segment("interact", "2024-05-01T09:13:06.000Z", "2024-05-01T09:18:05.456Z", queueId=queue_id),
            wrapup,
        ],
        **fields,
    }


def agent(
    participant_id: str = "a9e17000-aaaa-4bbb-8ccc-000000000003",
    user_id: str | None = ANNA,
    sessions: list[dict] | None = None,
) -> dict:
    participant = {
        "participantId": participant_id,
        "participantName": "Anna Agent",
        "purpose": "agent",
        "sessions": [agent_session()] if sessions is None else sessions,
    }
    if user_id is not None:
        participant["userId"] = user_id
    return participant


def conversation(
    conversation_id: str = "c0ffee00-1234-4abc-8def-000000000001",
    start: str = "2024-05-01T09:12:33.123Z",
    end: str | None = "2024-05-01T09:19:05.456Z",
    participants: list[dict] | None = None,
    **fields: Any,
) -> dict:
    """A completed inbound voice call answered by Anna, wrapped up as a sale."""
    built = {
        "conversationId": conversation_id,
        "conversationStart": start,
        "originatingDirection": "inbound",
        "divisionIds": [DIVISION],
        "participants": [customer(), acd(), agent()] if participants is None else participants,
        **fields,
    }
    if end is not None:
        built["conversationEnd"] = end
    return built


def page(*conversations: dict, total_hits: int | None = None) -> bytes:
    """One details-query response page as Genesys sends it."""
    return msgspec.json.encode(
        {"conversations": list(conversations), "totalHits": len(conversations) if total_hits is None else total_hits}
    )


def expected_row(**overrides: Any) -> dict:
    """The contract row of conversation() with its default agent; overrides change single columns."""
    return {
        "interaction_timestamp": datetime(2024, 5, 1, 9, 12, 33, 123000, tzinfo=UTC),
        "interaction_id": "c0ffee00-1234-4abc-8def-000000000001",
        "session_id": "5e551011-0000-4000-8000-000000000a11",
        "participant_id": "a9e17000-aaaa-4bbb-8ccc-000000000003",
        "agent_id": ANNA,
        "queue_id": SALES_QUEUE,
        "media_type": "voice",
        "direction": "inbound",
        "wrap_up_code_id": SALE_CODE,
        "wrap_up_code_label": "Sale",
        "disposition_code_id": None,
        "wrap_up_end": datetime(2024, 5, 1, 9, 19, 5, 456000, tzinfo=UTC),
        "conversation_end": datetime(2024, 5, 1, 9, 19, 5, 456000, tzinfo=UTC),
        "handle_ms": 363456,
        "acw_ms": 60000,
        "division_id": DIVISION,
        "schema_version": 1,
    } | overrides
