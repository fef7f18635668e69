"""The generator's internal plan of a conversation: the truth both the JSON and the oracle derive from.

Times are epoch milliseconds. A plan describes the whole conversation as it will have happened;
what the API shows at a given clock (open conversations, segments without an end) is decided when
the plan is rendered, never stored here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SegmentPlan:
    """One segment of a session (alert, interact, hold, wrapup, ivr, dialing)."""

    segment_type: str
    start_ms: int
    end_ms: int
    queue_id: str | None = None
    disconnect_type: str | None = None
    wrap_up_code: str | None = None
    wrap_up_note: str | None = None


@dataclass(frozen=True)
class MetricPlan:
    """One emitted session metric (tHandle, tAcw, tTalk, ...); a session may emit a name twice."""

    name: str
    value: int
    emit_ms: int


@dataclass(frozen=True)
class SessionPlan:
    """One media session of a participant."""

    session_id: str
    media_type: str
    direction: str
    segments: tuple[SegmentPlan, ...]
    metrics: tuple[MetricPlan, ...] = ()
    ani: str | None = None
    dnis: str | None = None
    address_from: str | None = None
    address_to: str | None = None
    acw_skipped: bool | None = None
    disposition_name: str | None = None
    outbound_campaign_id: str | None = None


@dataclass(frozen=True)
class ParticipantPlan:
    """A participant (customer, ivr, acd, agent) and its sessions."""

    participant_id: str
    purpose: str
    sessions: tuple[SessionPlan, ...]
    participant_name: str | None = None
    user_id: str | None = None


@dataclass(frozen=True)
class ConversationPlan:
    """A whole conversation, as it will have happened once it ends at `end_ms`."""

    conversation_id: str
    start_ms: int
    end_ms: int
    originating_direction: str
    division_ids: tuple[str, ...]
    participants: tuple[ParticipantPlan, ...]
