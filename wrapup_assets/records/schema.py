"""The record contract (schema_version 1) as one Arrow schema: every other module derives from it."""

import pyarrow as pa

SCHEMA_VERSION: int = 1

_TIMESTAMP = pa.timestamp("us", tz="UTC")
_LABEL = pa.dictionary(pa.int32(), pa.string())


def _field(name: str, arrow_type: pa.DataType, nullable: bool, description: str) -> pa.Field:
    return pa.field(name, arrow_type, nullable=nullable, metadata={b"description": description.encode()})


RECORD_SCHEMA: pa.Schema = pa.schema(
    [
        _field("interaction_timestamp", _TIMESTAMP, False, "When the conversation started (UTC); the partition key."),
        _field("interaction_id", pa.string(), False, "Genesys conversation ID."),
        _field("session_id", pa.string(), False, "The agent session this row describes."),
        _field("participant_id", pa.string(), False, "The agent participant that owns the session."),
        _field("agent_id", _LABEL, True, "Genesys user ID of the agent; null when Genesys omits it."),
        _field("queue_id", _LABEL, True, "Queue of the session's wrap-up segment, else of its last interact segment."),
        _field("media_type", _LABEL, False, "Session media: voice, chat, email, message, callback, ..."),
        _field("direction", _LABEL, True, "Session direction: inbound or outbound."),
        _field("wrap_up_code_id", _LABEL, True, "Last wrap-up code of the session: code UUID or ININ-... literal."),
        _field("wrap_up_code_label", _LABEL, True, "The code's name in the catalog at export time; null when unknown."),
        _field("disposition_code_id", _LABEL, True, "Dialer call-analysis disposition of the session."),
        _field("wrap_up_end", _TIMESTAMP, True, "When the session's wrap-up segment ended (UTC)."),
        _field("conversation_end", _TIMESTAMP, False, "When the conversation ended (UTC)."),
        _field("handle_ms", pa.int64(), True, "Handle time of the session in milliseconds (sum of tHandle)."),
        _field("acw_ms", pa.int64(), True, "After-call work time of the session in milliseconds (sum of tAcw)."),
        _field("division_id", _LABEL, True, "First division of the conversation."),
        _field("schema_version", pa.int16(), False, "Version of this record contract."),
    ]
)

RECORD_KEY: tuple[str, str] = ("interaction_id", "session_id")

SORT_COLUMNS: tuple[str, ...] = ("interaction_timestamp", *RECORD_KEY)
"""Every records file is sorted by start, then key: readers can prune on time and merge in order."""
SORT_ORDER: list[tuple[str, str]] = [(column, "ascending") for column in SORT_COLUMNS]

DICTIONARY_COLUMNS: tuple[str, ...] = tuple(field.name for field in RECORD_SCHEMA if pa.types.is_dictionary(field.type))
