"""Redact personal data from raw details pages before they are kept for replay and audit.

The field lists come from the SDK's analytics models (AnalyticsParticipant, AnalyticsSession,
AnalyticsFlow, AnalyticsConversationSegment). The rule: addresses, names and free text a customer or
agent typed are personal; opaque Genesys IDs (userId, queueId, wrapUpCode, ...) are not, and the
record contract needs them, so they stay.
"""

from collections.abc import Callable
from typing import Any

REDACTED = "[redacted]"

PERSONAL_PARTICIPANT_FIELDS: frozenset[str] = frozenset(
    {
        "participantName",
        "attributes",  # custom participant data: often names, account numbers, free text
    }
)

PERSONAL_SESSION_FIELDS: frozenset[str] = frozenset(
    {
        "ani",
        "dnis",
        "sessionDnis",
        "addressFrom",
        "addressTo",
        "addressOther",
        "addressSelf",
        "callbackNumbers",
        "callbackUserName",
        "remote",
        "remoteNameDisplayable",
        "roomId",  # for email, chat and messaging sessions this is the customer's address
        "cc",
        "bcc",
        "destinationAddresses",
        "screenShareAddressSelf",
        "videoAddressSelf",
    }
)

PERSONAL_FLOW_FIELDS: frozenset[str] = frozenset({"transferTargetAddress", "transferTargetName"})

PERSONAL_SEGMENT_FIELDS: frozenset[str] = frozenset({"wrapUpNote", "subject"})


def _redacted_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {}
    if isinstance(value, list):
        return [REDACTED for _ in value]
    return REDACTED


def _redact_fields(entity: dict, personal_fields: frozenset[str]) -> dict:
    """A copy of entity with its personal fields redacted (absent and null fields stay so)."""
    redacted = dict(entity)
    for name in personal_fields.intersection(entity):
        if entity[name] is not None:
            redacted[name] = _redacted_value(entity[name])
    return redacted


def _redact_children(entity: dict, child_key: str, redact_child: Callable[[dict], dict]) -> None:
    children = entity.get(child_key)
    if isinstance(children, list):
        entity[child_key] = [redact_child(child) if isinstance(child, dict) else child for child in children]


def _redact_session(session: dict) -> dict:
    redacted = _redact_fields(session, PERSONAL_SESSION_FIELDS)
    if isinstance(session.get("flow"), dict):
        redacted["flow"] = _redact_fields(session["flow"], PERSONAL_FLOW_FIELDS)
    _redact_children(redacted, "segments", lambda segment: _redact_fields(segment, PERSONAL_SEGMENT_FIELDS))
    return redacted


def _redact_participant(participant: dict) -> dict:
    redacted = _redact_fields(participant, PERSONAL_PARTICIPANT_FIELDS)
    _redact_children(redacted, "sessions", _redact_session)
    return redacted


def _redact_conversation(conversation: dict) -> dict:
    redacted = dict(conversation)
    _redact_children(redacted, "participants", _redact_participant)
    return redacted


def redact_page(page: dict) -> dict:
    """The page with every personal value replaced by REDACTED; the input is left as it was."""
    redacted = dict(page)
    _redact_children(redacted, "conversations", _redact_conversation)
    return redacted
