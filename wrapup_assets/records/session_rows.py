"""The contract rows of a decoded conversation: one per agent session in which the agent interacted.

Each session is walked once, its row's values appended to one Python list per contract column, and
about a batch of rows at a time is converted to one Arrow record batch. No dict or tuple is built
per row and no Python object per row outlives its batch. The order in which `_append_session_row`
appends is the order of ROW_COLUMNS: the two are one contract, so they live together here.
"""

from collections.abc import Mapping

import msgspec
import pyarrow as pa

from wrapup_assets.records.details_model import AGENT_SESSIONS_DECODER, Conversation, Participant, Session
from wrapup_assets.records.schema import RECORD_SCHEMA, SCHEMA_VERSION

ROW_COLUMNS = [record_field for record_field in RECORD_SCHEMA if record_field.name != "schema_version"]
"""The columns appended per row: RECORD_SCHEMA's in order, schema_version excluded (it is constant).
RowColumns adds one more, the ordinal of the conversation read, which deduplication uses."""


class MalformedConversation(Exception):
    """A conversation that cannot fill a non-null contract column; it is quarantined."""


class RowColumns:
    """Rows not converted to Arrow yet, one Python list per column.

    Appending to column lists (through bound `append`s unpacked once per row) costs half of building
    a tuple per row and transposing the tuples: lists of strings, datetimes and ints are invisible to
    the garbage collector, while a batch of row tuples triggers its full passes.
    """

    __slots__ = ("columns", "appends", "ordinals")

    def __init__(self) -> None:
        self.columns: list[list] = [[] for _ in range(len(ROW_COLUMNS) + 1)]
        self.appends = tuple(column.append for column in self.columns)
        self.ordinals: list[int] = self.columns[-1]
        """The last column, the conversations' read ordinals: its length is the row count."""

    def __len__(self) -> int:
        return len(self.ordinals)

    def add_conversation(self, conversation: Conversation, ordinal: int, code_labels: Mapping[str, str]) -> bool:
        """Append the rows of the conversation's agent sessions, read as the `ordinal`-th conversation;
        whether it had any. A conversation is kept whole or not at all: when it raises
        MalformedConversation, none of its rows stay."""
        appends = self.appends
        rows_before = len(self.ordinals)
        rows_added = False
        try:
            for index, participant in enumerate(conversation.participants):
                if participant.purpose == "agent":
                    for session in _agent_sessions(participant, index):
                        if _append_session_row(appends, conversation, ordinal, participant, session, code_labels):
                            rows_added = True
        except MalformedConversation:
            for column in self.columns:
                del column[rows_before:]
            raise
        return rows_added

    def to_batch(self) -> tuple[pa.RecordBatch, pa.Array]:
        """The rows as a record batch, and their read ordinals."""
        arrays = [
            pa.array(values, record_field.type) for record_field, values in zip(ROW_COLUMNS, self.columns, strict=False)
        ]
        arrays.append(pa.repeat(pa.scalar(SCHEMA_VERSION, pa.int16()), len(self)))
        return pa.RecordBatch.from_arrays(arrays, schema=RECORD_SCHEMA), pa.array(self.ordinals, pa.int64())


def _agent_sessions(participant: Participant, index: int) -> list[Session]:
    """An agent's sessions, decoded now (they are left undecoded on the page); a session that does
    not decode makes its conversation malformed, named with its path in the conversation."""
    try:
        return AGENT_SESSIONS_DECODER.decode(participant.sessions)
    except msgspec.DecodeError as error:
        message = str(error).replace("`$", f"`$.participants[{index}].sessions", 1)
        if "`$" not in str(error):
            message = f"{error} - at `$.participants[{index}].sessions`"
        raise MalformedConversation(message) from None


def _append_session_row(
    appends: tuple,
    conversation: Conversation,
    ordinal: int,
    participant: Participant,
    session: Session,
    code_labels: Mapping[str, str],
) -> bool:
    """Append the row of one agent session, in one pass over its segments and metrics; False (and
    nothing appended) when the agent never interacted in this session."""
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
        return False
    if session.session_id is None:
        raise MalformedConversation("agent session without sessionId")
    if participant.participant_id is None:
        raise MalformedConversation(f"agent session {session.session_id} without participantId")
    if session.media_type is None:
        raise MalformedConversation(f"agent session {session.session_id} without mediaType")
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
    (
        add_start,
        add_conversation_id,
        add_session_id,
        add_participant_id,
        add_agent_id,
        add_queue_id,
        add_media_type,
        add_direction,
        add_wrap_up_code,
        add_wrap_up_label,
        add_disposition,
        add_wrap_up_end,
        add_conversation_end,
        add_handle_ms,
        add_acw_ms,
        add_division_id,
        add_ordinal,
    ) = appends
    add_start(conversation.conversation_start)
    add_conversation_id(conversation.conversation_id)
    add_session_id(session.session_id)
    add_participant_id(participant.participant_id)
    add_agent_id(participant.user_id)
    add_queue_id(queue_id)
    add_media_type(session.media_type)
    add_direction(session.direction)
    add_wrap_up_code(wrap_up_code)
    add_wrap_up_label(None if wrap_up_code is None else code_labels.get(wrap_up_code))
    add_disposition(session.disposition_name)
    add_wrap_up_end(wrap_up_end)
    add_conversation_end(conversation.conversation_end)
    add_handle_ms(None if handle_ms is None else int(handle_ms))
    add_acw_ms(None if acw_ms is None else int(acw_ms))
    add_division_id(conversation.division_ids[0] if conversation.division_ids else None)
    add_ordinal(ordinal)
    return True
