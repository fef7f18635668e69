"""The fields Genesys documents for each level of a conversation-details page.

msgspec skips every field the record contract does not read, so a field Genesys adds tomorrow costs
nothing and breaks nothing. To still notice such additions (a hint that the API moved and the
contract may want a new column), a sample page is compared with these names, taken from the
official SDK's models (PureCloudPlatformClientV2 269: AnalyticsConversation, AnalyticsParticipant,
AnalyticsSession, AnalyticsConversationSegment, AnalyticsSessionMetric); a test keeps them in step.
"""

from collections.abc import Iterator
from typing import Any

import msgspec

KNOWN_CONVERSATION_FIELDS = frozenset(
    {
        "accessAttributes", "associatedConversationId", "conferenceStart", "consultationConversationIds",
        "conversationEnd", "conversationId", "conversationInitiator", "conversationStart", "customerParticipation",
        "divisionIds", "evaluations", "externalTag", "inactivityTimeout", "knowledgeBaseIds",
        "mediaStatsMinConversationMos", "mediaStatsMinConversationRFactor", "originatingDirection",
        "originatingSocialMediaPublic", "participants", "resolutions", "selfServed", "surveys",
    }
)  # fmt: skip
KNOWN_PARTICIPANT_FIELDS = frozenset(
    {
        "attributes", "externalContactId", "externalOrganizationId", "flaggedReason", "participantId",
        "participantName", "purpose", "screenRecording", "sessions", "teamId", "userId",
    }
)  # fmt: skip
KNOWN_SESSION_FIELDS = frozenset(
    {
        "activeSkillIds", "acwSkipped", "addressFrom", "addressOther", "addressSelf", "addressTo",
        "agentAssistantId", "agentBullseyeRing", "agentGroups", "agentOwned", "ani", "assignerId", "authenticated",
        "bargedParticipantId", "bcc", "callbackNumbers", "callbackScheduledTime", "callbackUserName", "cc",
        "cleared", "coachedParticipantId", "cobrowseRole", "cobrowseRoomId", "deliveryPushed", "deliveryStatus",
        "deliveryStatusChangeDate", "destinationAddresses", "detectedSpeechEnd", "detectedSpeechStart",
        "direction", "dispositionAnalyzer", "dispositionName", "dnis", "edgeId", "eligibleAgentCounts",
        "engagementSource", "errorCodeDescription", "extendedDeliveryStatus", "flow", "flowInType", "flowOutType",
        "journeyActionId", "journeyActionMapId", "journeyActionMapVersion", "journeyCustomerId",
        "journeyCustomerIdType", "journeyCustomerSessionId", "journeyCustomerSessionIdType", "mediaBridgeId",
        "mediaCount", "mediaEndpointStats", "mediaType", "messageType", "metrics", "monitoredParticipantId",
        "outboundCampaignId", "outboundContactId", "outboundContactListId", "peerId", "proposedAgents",
        "protocolCallId", "provider", "recording", "remote", "remoteNameDisplayable", "removedSkillIds",
        "requestedRoutings", "roomId", "routingRing", "routingRule", "routingRuleType", "screenMonitoredUserId",
        "screenShareAddressSelf", "screenShareRoomId", "scriptId", "segments", "selectedAgentId",
        "selectedAgentRank", "sessionDnis", "sessionId", "sharingScreen", "skillExpressionId", "skipEnabled",
        "snippetRecording", "timeoutSeconds", "usedRouting", "videoAddressSelf", "videoRoomId",
        "waitingInteractionCounts",
    }
)  # fmt: skip
KNOWN_SEGMENT_FIELDS = frozenset(
    {
        "audioMuted", "conference", "destinationConversationId", "destinationSessionId", "disconnectType",
        "errorCode", "groupId", "properties", "q850ResponseCodes", "queueId", "requestedLanguageId",
        "requestedRoutingSkillIds", "requestedRoutingUserIds", "scoredAgents", "segmentEnd", "segmentStart",
        "segmentType", "sipResponseCodes", "sourceConversationId", "sourceSessionId", "subject", "videoMuted",
        "wrapUpCode", "wrapUpNote", "wrapUpTags",
    }
)  # fmt: skip
KNOWN_METRIC_FIELDS = frozenset({"emitDate", "name", "value"})


def unknown_field_paths(page_json: bytes) -> set[str]:
    """Fields of a details page that Genesys did not document, as `level.fieldName` paths.

    Decodes the page generically (about as costly as the typed decode), so callers sample: the
    records asset looks at the first page of each hour. A page that is not JSON has none.
    """
    try:
        page = msgspec.json.decode(page_json)
    except msgspec.DecodeError:
        return set()
    conversations = page.get("conversations") if isinstance(page, dict) else None
    return {f"{level}.{name}" for level, name in _unknown_fields(conversations)}


def _unknown_fields(conversations: Any) -> Iterator[tuple[str, str]]:
    for conversation in _objects(conversations):
        yield from _unknown_keys("conversation", conversation, KNOWN_CONVERSATION_FIELDS)
        for participant in _objects(conversation.get("participants")):
            yield from _unknown_keys("participant", participant, KNOWN_PARTICIPANT_FIELDS)
            for session in _objects(participant.get("sessions")):
                yield from _unknown_keys("session", session, KNOWN_SESSION_FIELDS)
                for segment in _objects(session.get("segments")):
                    yield from _unknown_keys("segment", segment, KNOWN_SEGMENT_FIELDS)
                for metric in _objects(session.get("metrics")):
                    yield from _unknown_keys("metric", metric, KNOWN_METRIC_FIELDS)


def _objects(value: Any) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _unknown_keys(level: str, item: dict, known: frozenset[str]) -> Iterator[tuple[str, str]]:
    for name in item.keys() - known:
        yield level, name
