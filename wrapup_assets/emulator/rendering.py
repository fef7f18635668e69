"""Conversation plans rendered as the details API shows them at a given clock.

Like Genesys, the JSON omits null fields and empty arrays. A conversation whose end is after the
clock is open: no `conversationEnd`, segments not yet started are absent, running segments have no
`segmentEnd`, metrics not yet emitted are absent, and sessions or participants with nothing to
show yet are left out.
"""

from __future__ import annotations

from typing import Any

from wrapup_assets.emulator.instants import iso_ms
from wrapup_assets.emulator.model import ConversationPlan, ParticipantPlan, SegmentPlan, SessionPlan


def without_empty(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields that Genesys would send: no None values, no empty lists."""
    return {name: value for name, value in fields.items() if value is not None and value != []}


def with_unknown_and_missing_fields(page: dict[str, Any]) -> dict[str, Any]:
    """The page as a newer or buggier API might send it: a field the exporter does not know on the
    page, on every conversation and session, and no `conversationStart` on the first conversation."""
    conversations = [
        {
            **conversation,
            "futureConversationField": {"introduced": "later"},
            "participants": [
                {
                    **participant,
                    "sessions": [
                        {**session, "futureSessionField": [1, 2]} for session in participant.get("sessions", [])
                    ],
                }
                for participant in conversation.get("participants", [])
            ],
        }
        for conversation in page.get("conversations", [])
    ]
    if conversations:
        del conversations[0]["conversationStart"]
    return {**page, "futurePageField": True, **({"conversations": conversations} if conversations else {})}


def render_conversation(plan: ConversationPlan, now_ms: int) -> dict[str, Any]:
    """The conversation as the details query would return it at `now_ms` (which must be >= its start)."""
    participants = [rendered for participant in plan.participants if (rendered := _participant(participant, now_ms))]
    return without_empty(
        {
            "conversationEnd": iso_ms(plan.end_ms) if plan.end_ms <= now_ms else None,
            "conversationId": plan.conversation_id,
            "conversationStart": iso_ms(plan.start_ms),
            "divisionIds": list(plan.division_ids),
            "originatingDirection": plan.originating_direction,
            "participants": participants,
        }
    )


def _participant(participant: ParticipantPlan, now_ms: int) -> dict[str, Any] | None:
    sessions = [rendered for session in participant.sessions if (rendered := _session(session, now_ms))]
    if not sessions:
        return None
    return without_empty(
        {
            "participantId": participant.participant_id,
            "participantName": participant.participant_name,
            "purpose": participant.purpose,
            "userId": participant.user_id,
            "sessions": sessions,
        }
    )


def _session(session: SessionPlan, now_ms: int) -> dict[str, Any] | None:
    segments = [_segment(segment, now_ms) for segment in session.segments if segment.start_ms <= now_ms]
    if not segments:
        return None
    metrics = [
        {"name": metric.name, "value": metric.value, "emitDate": iso_ms(metric.emit_ms)}
        for metric in session.metrics
        if metric.emit_ms <= now_ms
    ]
    return without_empty(
        {
            "acwSkipped": session.acw_skipped,
            "addressFrom": session.address_from,
            "addressTo": session.address_to,
            "ani": session.ani,
            "direction": session.direction,
            "dispositionName": session.disposition_name,
            "dnis": session.dnis,
            "mediaType": session.media_type,
            "outboundCampaignId": session.outbound_campaign_id,
            "sessionId": session.session_id,
            "metrics": metrics,
            "segments": segments,
        }
    )


def _segment(segment: SegmentPlan, now_ms: int) -> dict[str, Any]:
    ended = segment.end_ms <= now_ms
    return without_empty(
        {
            "disconnectType": segment.disconnect_type if ended else None,
            "queueId": segment.queue_id,
            "segmentEnd": iso_ms(segment.end_ms) if ended else None,
            "segmentStart": iso_ms(segment.start_ms),
            "segmentType": segment.segment_type,
            "wrapUpCode": segment.wrap_up_code if ended else None,
            "wrapUpNote": segment.wrap_up_note if ended else None,
        }
    )
