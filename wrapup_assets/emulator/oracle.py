"""The test oracle: the rows of the record contract (design.md, schema_version 1) an hour must yield.

Built from the generator's plans, not from the JSON, so it checks the exporter's flattening
independently: one row per agent session that has an interact segment, for conversations that
started in the hour and have ended as of the clock.
"""

from __future__ import annotations

from typing import Any

from wrapup_assets.emulator.instants import from_ms
from wrapup_assets.emulator.model import ConversationPlan, ParticipantPlan, SessionPlan

SCHEMA_VERSION = 1


def agent_sessions(plan: ConversationPlan) -> list[tuple[ParticipantPlan, SessionPlan]]:
    """The sessions that are rows of the contract: agent participants' sessions that interacted."""
    return [
        (participant, session)
        for participant in plan.participants
        if participant.purpose == "agent"
        for session in participant.sessions
        if any(segment.segment_type == "interact" for segment in session.segments)
    ]


def session_wrap_up_code(session: SessionPlan) -> str | None:
    """The last non-null wrapUpCode among the session's segments."""
    codes = [segment.wrap_up_code for segment in session.segments if segment.wrap_up_code is not None]
    return codes[-1] if codes else None


def metric_total(session: SessionPlan, name: str) -> int | None:
    """The sum of a session metric's values (a session may emit one name more than once); None if absent."""
    values = [metric.value for metric in session.metrics if metric.name == name]
    return sum(values) if values else None


def expected_rows(plan: ConversationPlan, code_labels: dict[str, str]) -> list[dict[str, Any]]:
    """The contract rows of one ended conversation; `code_labels` is the catalog at export time."""
    rows = []
    for participant, session in agent_sessions(plan):
        wrapups = [segment for segment in session.segments if segment.segment_type == "wrapup"]
        interacts = [segment for segment in session.segments if segment.segment_type == "interact"]
        queue_source = wrapups[-1] if wrapups and wrapups[-1].queue_id else interacts[-1]
        code = session_wrap_up_code(session)
        rows.append(
            {
                "interaction_timestamp": from_ms(plan.start_ms),
                "interaction_id": plan.conversation_id,
                "session_id": session.session_id,
                "participant_id": participant.participant_id,
                "agent_id": participant.user_id,
                "queue_id": queue_source.queue_id,
                "media_type": session.media_type,
                "direction": session.direction,
                "wrap_up_code_id": code,
                "wrap_up_code_label": code_labels.get(code) if code else None,
                "disposition_code_id": session.disposition_name,
                "wrap_up_end": from_ms(wrapups[-1].end_ms) if wrapups else None,
                "conversation_end": from_ms(plan.end_ms),
                "handle_ms": metric_total(session, "tHandle"),
                "acw_ms": metric_total(session, "tAcw"),
                "division_id": plan.division_ids[0] if plan.division_ids else None,
                "schema_version": SCHEMA_VERSION,
            }
        )
    return rows
