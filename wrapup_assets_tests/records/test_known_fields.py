"""The documented field names used to count unknown fields stay in step with the official SDK."""

import pytest
from PureCloudPlatformClientV2 import models

from wrapup_assets.records.known_fields import (
    KNOWN_CONVERSATION_FIELDS,
    KNOWN_METRIC_FIELDS,
    KNOWN_PARTICIPANT_FIELDS,
    KNOWN_SEGMENT_FIELDS,
    KNOWN_SESSION_FIELDS,
    unknown_field_paths,
)


@pytest.mark.parametrize(
    "model, known",
    [
        (models.AnalyticsConversation, KNOWN_CONVERSATION_FIELDS),
        (models.AnalyticsParticipant, KNOWN_PARTICIPANT_FIELDS),
        (models.AnalyticsSession, KNOWN_SESSION_FIELDS),
        (models.AnalyticsConversationSegment, KNOWN_SEGMENT_FIELDS),
        (models.AnalyticsSessionMetric, KNOWN_METRIC_FIELDS),
    ],
)
def test_known_fields_are_the_sdk_model_fields(model, known):
    assert set(model().attribute_map.values()) == known


def test_a_page_that_is_not_json_has_no_unknown_fields():
    assert unknown_field_paths(b"{not json") == set()
