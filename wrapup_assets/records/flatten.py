"""Flatten Genesys details pages into contract rows: page bytes in, one Arrow table out.

The hot path decodes a whole page into typed structs (msgspec skips unused fields), walks the
agent sessions once into one value tuple per row, and transposes the page into one Arrow record
batch. No dict is built per row and no Python object per row outlives its page; deduplication and
sorting run in Arrow over the page batches.

A page that does not decode as a whole is decoded again conversation by conversation, so one bad
conversation is quarantined (with its JSON and the reason) while the rest of its page is kept.
The first page is also compared with the fields Genesys documents, to count unknown fields.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import msgspec
import pyarrow as pa
import pyarrow.compute as pc

from wrapup_assets.records.details_model import (
    Conversation,
    ConversationIdentity,
    DetailsPage,
    Participant,
    RawConversationsPage,
    Session,
)
from wrapup_assets.records.known_fields import unknown_field_paths
from wrapup_assets.records.quarantine import QuarantinedConversation
from wrapup_assets.records.schema import RECORD_KEY, RECORD_SCHEMA, SCHEMA_VERSION

_SORT_ORDER = [
    ("interaction_timestamp", "ascending"),
    ("interaction_id", "ascending"),
    ("session_id", "ascending"),
]


class MalformedPageError(ValueError):
    """A page as a whole cannot be read, so the hour cannot be exported faithfully."""

    def __init__(self, page_number: int, problem: str) -> None:
        super().__init__(f"details page {page_number} is malformed: {problem}")
        self.page_number = page_number
        self.problem = problem


@dataclass
class FlattenStats:
    """What happened to every conversation of the hour: the asset reports it as run metadata."""

    pages: int = 0
    conversations_seen: int = 0
    conversations_outside_window: int = 0
    conversations_open: int = 0
    conversations_without_agent_session: int = 0
    conversations_malformed: int = 0
    duplicate_rows_dropped: int = 0
    rows: int = 0
    unknown_fields: set[str] = field(default_factory=set)
    """Undocumented fields (`level.name`) on the first page: a sample, so the hot path stays typed."""


class _MalformedConversation(Exception):
    """A conversation that cannot fill a non-null contract column; it is quarantined."""


# Row tuples carry the RECORD_SCHEMA columns in order (schema_version excluded: it is constant),
# then the ordinal of the conversation read, which deduplication uses.
_ROW_COLUMNS = [record_field for record_field in RECORD_SCHEMA if record_field.name != "schema_version"]


def _session_row(
    conversation: Conversation, ordinal: int, participant: Participant, session: Session, code_labels: Mapping[str, str]
) -> tuple | None:
    """The row of one agent session in one pass over its segments and metrics; None when the agent
    never interacted in this session."""
    last_interact = None
    last_wrapup = None
    wrap_up_code = None
    for segment in session.segments:
        segment_type = segment.segment_type
        if segment_type == "interact":
            last_interact = segment
        elif segment_type == "wrapup":
            last_wrapup = segment
        if segment.wrap_up_code is not None:
            wrap_up_code = segment.wrap_up_code
    if last_interact is None:
        return None
    if session.session_id is None:
        raise _MalformedConversation("agent session without sessionId")
    if participant.participant_id is None:
        raise _MalformedConversation(f"agent session {session.session_id} without participantId")
    if session.media_type is None:
        raise _MalformedConversation(f"agent session {session.session_id} without mediaType")
    queue_id = last_interact.queue_id
    wrap_up_end = None
    if last_wrapup is not None:
        wrap_up_end = last_wrapup.segment_end
        if last_wrapup.queue_id is not None:
            queue_id = last_wrapup.queue_id
    # tHandle and tAcw can be emitted more than once per session (e.g. after a hold): sum them.
    handle_ms = None
    acw_ms = None
    for metric in session.metrics:
        if metric.value is None:
            continue
        if metric.name == "tHandle":
            handle_ms = (handle_ms or 0) + metric.value
        elif metric.name == "tAcw":
            acw_ms = (acw_ms or 0) + metric.value
    return (
        conversation.conversation_start,
        conversation.conversation_id,
        session.session_id,
        participant.participant_id,
        participant.user_id,
        queue_id,
        session.media_type,
        session.direction,
        wrap_up_code,
        None if wrap_up_code is None else code_labels.get(wrap_up_code),
        session.disposition_name,
        wrap_up_end,
        conversation.conversation_end,
        None if handle_ms is None else int(handle_ms),
        None if acw_ms is None else int(acw_ms),
        conversation.division_ids[0] if conversation.division_ids else None,
        ordinal,
    )


def _rows_to_batch(rows: list[tuple]) -> tuple[pa.RecordBatch, pa.Array]:
    """Transpose a page of row tuples (in C, via zip) into a record batch and its read ordinals."""
    columns = list(zip(*rows, strict=True))
    arrays = []
    for record_field, values in zip(_ROW_COLUMNS, columns, strict=False):
        if pa.types.is_dictionary(record_field.type):
            arrays.append(pa.array(values, pa.string()).dictionary_encode())
        else:
            arrays.append(pa.array(values, record_field.type))
    arrays.append(pa.repeat(pa.scalar(SCHEMA_VERSION, pa.int16()), len(rows)))
    return pa.RecordBatch.from_arrays(arrays, schema=RECORD_SCHEMA), pa.array(columns[-1], pa.int64())


class RecordsBuilder:
    """Accumulates the pages of one partition window and yields its deduplicated, sorted records.

    Used once per window: add every page in the order it was read, then call finish().
    """

    def __init__(self, window_start: datetime, window_end: datetime, code_labels: Mapping[str, str]) -> None:
        if window_start.tzinfo is None or window_end.tzinfo is None:
            raise ValueError(f"window bounds must be tz-aware UTC datetimes, got {window_start!r}, {window_end!r}")
        if window_end <= window_start:
            raise ValueError(f"window end {window_end.isoformat()} is not after its start {window_start.isoformat()}")
        self.window_start = window_start
        self.window_end = window_end
        self.code_labels = code_labels
        self.stats = FlattenStats()
        self.quarantine: list[QuarantinedConversation] = []
        self._batches: list[pa.RecordBatch] = []
        self._conversation_ordinals: list[pa.Array] = []
        self._finished = False

    def add_page(self, page_json: bytes) -> None:
        """Flatten one page exactly as Genesys sent it; malformed conversations are quarantined, not fatal."""
        if self._finished:
            raise RuntimeError("RecordsBuilder.add_page called after finish(): a builder is used once")
        self.stats.pages += 1
        page_number = self.stats.pages
        if page_number == 1:
            self.stats.unknown_fields = unknown_field_paths(page_json)
        rows: list[tuple] = []
        try:
            conversations = _PAGE_DECODER.decode(page_json).conversations
        except msgspec.DecodeError:
            # Something on the page does not fit: find out whether it is the page or some conversations.
            self._add_conversations_one_by_one(page_json, page_number, rows)
        else:
            malformed: list[tuple[int, str, str]] = []
            for position, conversation in enumerate(conversations, start=1):
                problem = self._add_conversation(conversation, rows)
                if problem is not None:
                    malformed.append((position, conversation.conversation_id, problem))
            if malformed:
                self._quarantine_decoded(page_json, page_number, malformed)
        if rows:
            batch, ordinals = _rows_to_batch(rows)
            self._batches.append(batch)
            self._conversation_ordinals.append(ordinals)

    def _add_conversations_one_by_one(self, page_json: bytes, page_number: int, rows: list[tuple]) -> None:
        raw_conversations = _raw_conversations(page_json, page_number)
        for position, raw_conversation in enumerate(raw_conversations, start=1):
            try:
                conversation = _CONVERSATION_DECODER.decode(raw_conversation)
            except msgspec.DecodeError as error:
                self.stats.conversations_seen += 1
                conversation_id = _readable_conversation_id(raw_conversation)
                self._quarantine(conversation_id, page_number, position, str(error), bytes(raw_conversation))
            else:
                problem = self._add_conversation(conversation, rows)
                if problem is not None:
                    self._quarantine(
                        conversation.conversation_id, page_number, position, problem, bytes(raw_conversation)
                    )

    def _quarantine_decoded(self, page_json: bytes, page_number: int, malformed: list[tuple[int, str, str]]) -> None:
        """Quarantine conversations that decoded but break the contract, with their JSON as read;
        the page is decoded again only on this rare path."""
        raw_conversations = _raw_conversations(page_json, page_number)
        for position, conversation_id, problem in malformed:
            self._quarantine(conversation_id, page_number, position, problem, bytes(raw_conversations[position - 1]))

    def _add_conversation(self, conversation: Conversation, rows: list[tuple]) -> str | None:
        """Add the conversation's rows; the reason it is malformed, or None."""
        stats = self.stats
        stats.conversations_seen += 1
        start = conversation.conversation_start
        if not self.window_start <= start < self.window_end:
            stats.conversations_outside_window += 1
            return None
        end = conversation.conversation_end
        if end is None:
            stats.conversations_open += 1
            return None
        if end < start:
            return "conversationEnd is before conversationStart"
        ordinal = stats.conversations_seen
        try:
            conversation_rows = [
                row
                for participant in conversation.participants
                if participant.purpose == "agent"
                for session in participant.sessions
                if (row := _session_row(conversation, ordinal, participant, session, self.code_labels)) is not None
            ]
        except _MalformedConversation as malformed:
            return str(malformed)
        if not conversation_rows:
            stats.conversations_without_agent_session += 1
            return None
        rows += conversation_rows
        return None

    def _quarantine(
        self, conversation_id: str | None, page_number: int, position: int, reason: str, conversation_json: bytes
    ) -> None:
        self.stats.conversations_malformed += 1
        self.quarantine.append(
            QuarantinedConversation(conversation_id, page_number, position, reason, conversation_json)
        )

    def finish(self) -> pa.Table:
        """Deduplicate (the later read of a conversation wins) and sort by start, then key."""
        if self._finished:
            raise RuntimeError("RecordsBuilder.finish called twice: a builder is used once")
        self._finished = True
        if not self._batches:
            return RECORD_SCHEMA.empty_table()
        table = pa.Table.from_batches(self._batches, schema=RECORD_SCHEMA)
        self._batches = []
        ordinals = pa.chunked_array(self._conversation_ordinals, pa.int64())
        self._conversation_ordinals = []
        keep = _rows_to_keep(table, ordinals)
        if keep is not None:
            self.stats.duplicate_rows_dropped = table.num_rows - len(keep)
            table = table.take(keep)
        table = table.sort_by(_SORT_ORDER).combine_chunks()
        self.stats.rows = table.num_rows
        return table


def _raw_conversations(page_json: bytes, page_number: int) -> list[msgspec.Raw]:
    """The page's conversations left undecoded; MalformedPageError when the page itself is unreadable."""
    try:
        return _RAW_PAGE_DECODER.decode(page_json).conversations
    except msgspec.ValidationError as error:
        raise MalformedPageError(page_number, f"not a details page ({error})") from None
    except msgspec.DecodeError as error:
        raise MalformedPageError(page_number, f"invalid JSON ({error})") from None


def _readable_conversation_id(raw_conversation: msgspec.Raw) -> str | None:
    """The conversationId of a conversation that did not decode, when it can still be read."""
    try:
        return _IDENTITY_DECODER.decode(raw_conversation).conversation_id or None
    except msgspec.DecodeError:
        return None


def _rows_to_keep(table: pa.Table, conversation_ordinals: pa.ChunkedArray) -> pa.Array | None:
    """Indices of the rows to keep, or None when no row is superseded.

    Pages shift while they are read, so one conversation can be read twice; the later read is
    fresher and replaces the earlier one as a whole (a session that disappeared from it goes too).
    Within one read, the last row per key wins.
    """
    # The usual hour: every conversation read once and session IDs (UUIDs) unique; two hash passes
    # prove it, far cheaper than grouping on the two-column key.
    each_conversation_read_once = (
        pc.count_distinct(table["interaction_id"]).as_py() == pc.count_distinct(conversation_ordinals).as_py()
    )
    if each_conversation_read_once and pc.count_distinct(table["session_id"]).as_py() == table.num_rows:
        return None
    keys = pa.table(
        {
            "interaction_id": table["interaction_id"].combine_chunks(),
            "session_id": table["session_id"].combine_chunks(),
            "ordinal": conversation_ordinals.combine_chunks(),
            "row": pa.arange(0, table.num_rows),
        }
    )
    latest_read = keys.group_by("interaction_id").aggregate([("ordinal", "max")])
    position = pc.index_in(keys["interaction_id"], value_set=latest_read["interaction_id"])
    from_latest_read = pc.equal(keys["ordinal"], pc.take(latest_read["ordinal_max"], position))
    current = keys.filter(from_latest_read)
    return current.group_by(list(RECORD_KEY)).aggregate([("row", "max")])["row_max"]


def flatten_pages(
    pages: Iterable[bytes], window_start: datetime, window_end: datetime, code_labels: Mapping[str, str]
) -> tuple[pa.Table, FlattenStats]:
    """One call for callers that already hold an hour's pages (tests, replay from raw pages)."""
    builder = RecordsBuilder(window_start, window_end, code_labels)
    for page_json in pages:
        builder.add_page(page_json)
    table = builder.finish()
    return table, builder.stats


_PAGE_DECODER = msgspec.json.Decoder(DetailsPage)
_RAW_PAGE_DECODER = msgspec.json.Decoder(RawConversationsPage)
_CONVERSATION_DECODER = msgspec.json.Decoder(Conversation)
_IDENTITY_DECODER = msgspec.json.Decoder(ConversationIdentity)
