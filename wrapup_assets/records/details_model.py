"""The slice of a Genesys conversation-details page that the record contract reads, and its decoders.

msgspec skips every field not declared here while it parses, so a page costs one pass over its bytes
and no Python object for the many fields the export never reads. Every Genesys field is optional
(Genesys omits nulls and empty arrays); only the conversation's identity and start are required,
because without them a conversation cannot be placed in a partition or keyed.

The structs are decoded trees without reference cycles, so they opt out of the garbage collector
(gc=False): a page of 100 conversations creates thousands of them and GC passes cost ~25% of decode.

A page that does not decode as a whole is read again with its conversations left undecoded
(raw_conversations), so each can be decoded, or quarantined, on its own.
"""

from datetime import datetime
from typing import Annotated

import msgspec

# Genesys sends "2024-05-01T09:12:33.123Z"; a timestamp without an offset is not UTC-safe, so reject it.
AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True)]


class SessionMetric(msgspec.Struct, rename="camel", gc=False):
    """One `metrics[]` entry of a session (`tHandle`, `tAcw`, ...)."""

    name: str | None = None
    value: int | float | None = None


class Segment(msgspec.Struct, rename="camel", gc=False):
    """One `segments[]` entry of a session."""

    segment_type: str | None = None
    segment_end: AwareDatetime | None = None
    queue_id: str | None = None
    wrap_up_code: str | None = None


class Session(msgspec.Struct, rename="camel", gc=False):
    """One `sessions[]` entry of a participant."""

    session_id: str | None = None
    media_type: str | None = None
    direction: str | None = None
    disposition_name: str | None = None
    metrics: list[SessionMetric] = []
    segments: list[Segment] = []


EMPTY_SESSIONS = msgspec.Raw(b"[]")


class Participant(msgspec.Struct, rename="camel", gc=False):
    """One `participants[]` entry of a conversation.

    `sessions` stays undecoded JSON: only agents' sessions become rows, and customer, ACD and IVR
    participants carry as many sessions, segments and metrics again. Skipping them at parse time
    and decoding agents' sessions on demand (AGENT_SESSIONS_DECODER) halves the decode.
    """

    participant_id: str | None = None
    purpose: str | None = None
    user_id: str | None = None
    sessions: msgspec.Raw = EMPTY_SESSIONS


class Conversation(msgspec.Struct, rename="camel", gc=False):
    """One `conversations[]` entry of a details page."""

    conversation_id: str
    conversation_start: AwareDatetime
    conversation_end: AwareDatetime | None = None
    division_ids: list[str] = []
    participants: list[Participant] = []


class DetailsPage(msgspec.Struct, gc=False):
    """A details-query (or details-job results) page; past the end Genesys sends no `conversations`."""

    conversations: list[Conversation] = []


class RawConversationsPage(msgspec.Struct, gc=False):
    """The same page with each conversation left undecoded, to isolate the malformed ones."""

    conversations: list[msgspec.Raw] = []


class ConversationIdentity(msgspec.Struct, rename="camel", gc=False):
    """Just enough of a malformed conversation to name it in a report."""

    conversation_id: str | None = None


AGENT_SESSIONS_DECODER = msgspec.json.Decoder(list[Session])
"""Decodes an agent participant's `sessions` when its rows are built."""
DETAILS_PAGE_DECODER = msgspec.json.Decoder(DetailsPage)
"""Decodes a whole page in one pass: the hot path."""
_RAW_CONVERSATIONS_PAGE_DECODER = msgspec.json.Decoder(RawConversationsPage)
CONVERSATION_DECODER = msgspec.json.Decoder(Conversation)
"""Decodes one conversation of a page that did not decode as a whole."""
_IDENTITY_DECODER = msgspec.json.Decoder(ConversationIdentity)


class MalformedPageError(ValueError):
    """A page as a whole cannot be read, so the hour cannot be exported faithfully."""

    def __init__(self, page_number: int, problem: str) -> None:
        super().__init__(f"details page {page_number} is malformed: {problem}")
        self.page_number = page_number
        self.problem = problem

    def __reduce__(self) -> tuple:
        # Raised in a worker process and re-raised in the parent: rebuild it from its two fields.
        return (type(self), (self.page_number, self.problem))


def raw_conversations(page_json: bytes, page_number: int) -> list[msgspec.Raw]:
    """The page's conversations left undecoded; MalformedPageError when the page itself is unreadable."""
    try:
        return _RAW_CONVERSATIONS_PAGE_DECODER.decode(page_json).conversations
    except msgspec.ValidationError as error:
        raise MalformedPageError(page_number, f"not a details page ({error})") from None
    except msgspec.DecodeError as error:
        raise MalformedPageError(page_number, f"invalid JSON ({error})") from None


def readable_conversation_id(raw_conversation: msgspec.Raw) -> str | None:
    """The conversationId of a conversation that did not decode, when it can still be read."""
    try:
        return _IDENTITY_DECODER.decode(raw_conversation).conversation_id or None
    except msgspec.DecodeError:
        return None
