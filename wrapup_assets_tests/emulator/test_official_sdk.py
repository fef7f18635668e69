"""The official Genesys Python SDK reads every emulated endpoint into its models without complaint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import PureCloudPlatformClientV2 as sdk
import pytest

from wrapup_assets.emulator import GenesysEmulator

OUTDATED = "outdated_sdk_version"
INTERVAL = "2024-05-01T09:00:00.000Z/2024-05-01T11:00:00.000Z"


def outdated_enum_attributes(model: Any, path: str = "") -> Iterator[str]:
    """Where the SDK replaced an enum value it did not know by its 'outdated_sdk_version' marker."""
    if isinstance(model, list):
        for index, item in enumerate(model):
            yield from outdated_enum_attributes(item, f"{path}[{index}]")
    elif isinstance(model, dict):
        for key, item in model.items():
            yield from outdated_enum_attributes(item, f"{path}[{key}]")
    elif hasattr(model, "swagger_types"):
        for attribute in model.swagger_types:
            value = getattr(model, attribute)
            if isinstance(value, str) and value == OUTDATED:
                yield f"{path}.{attribute}"
            yield from outdated_enum_attributes(value, f"{path}.{attribute}")


@pytest.fixture
def api_client(emulator: GenesysEmulator) -> sdk.api_client.ApiClient:
    client = sdk.api_client.ApiClient(host=emulator.api_url)
    return client.get_client_credentials_token(emulator.config.client_id, emulator.config.client_secret)


def ended_only() -> list[sdk.ConversationDetailQueryFilter]:
    predicate = sdk.ConversationDetailQueryPredicate()
    predicate.type = "dimension"
    predicate.dimension = "conversationEnd"
    predicate.operator = "exists"
    query_filter = sdk.ConversationDetailQueryFilter()
    query_filter.type = "and"
    query_filter.predicates = [predicate]
    return [query_filter]


def test_details_query_reads_into_sdk_models(api_client: sdk.api_client.ApiClient) -> None:
    query = sdk.ConversationQuery()
    query.interval = INTERVAL
    query.order = "asc"
    query.order_by = "conversationStart"
    query.conversation_filters = ended_only()
    paging = sdk.PagingSpec()
    paging.page_size = 100
    paging.page_number = 1
    query.paging = paging
    response = sdk.AnalyticsApi(api_client).post_analytics_conversations_details_query(query)
    assert response.total_hits == len(response.conversations) > 20
    sessions = [
        session
        for conversation in response.conversations
        for participant in conversation.participants
        for session in participant.sessions
    ]
    assert {session.media_type for session in sessions} == {"voice", "chat", "email", "message", "callback"}
    assert list(outdated_enum_attributes(response)) == []


def test_details_job_lifecycle_reads_into_sdk_models(api_client: sdk.api_client.ApiClient) -> None:
    analytics = sdk.AnalyticsApi(api_client)
    availability = analytics.get_analytics_conversations_details_jobs_availability()
    assert availability.data_availability_date.isoformat() == "2024-05-02T10:00:00+00:00"
    query = sdk.AsyncConversationQuery()
    query.interval = INTERVAL
    query.order = "asc"
    query.order_by = "conversationStart"
    job = analytics.post_analytics_conversations_details_jobs(query)
    assert analytics.get_analytics_conversations_details_job(job.job_id).state == "QUEUED"
    assert analytics.get_analytics_conversations_details_job(job.job_id).state == "FULFILLED"
    results = analytics.get_analytics_conversations_details_job_results(job.job_id, page_size=1000)
    assert results.cursor is None and len(results.conversations) > 20
    assert list(outdated_enum_attributes(results)) == []
    analytics.delete_analytics_conversations_details_job(job.job_id)


def test_aggregates_read_into_sdk_models(api_client: sdk.api_client.ApiClient) -> None:
    query = sdk.ConversationAggregationQuery()
    query.interval = INTERVAL
    query.granularity = "PT1H"
    query.time_zone = "UTC"
    query.group_by = ["wrapUpCode"]
    query.metrics = ["tHandle", "tAcw"]
    response = sdk.AnalyticsApi(api_client).post_analytics_conversations_aggregates_query(query)
    assert response.results and all(len(result.data) <= 2 for result in response.results)
    assert {metric.metric for result in response.results for data in result.data for metric in data.metrics} == {
        "tHandle",
        "tAcw",
    }
    assert list(outdated_enum_attributes(response)) == []


def test_wrapup_code_listings_read_into_sdk_models(api_client: sdk.api_client.ApiClient) -> None:
    routing = sdk.RoutingApi(api_client)
    active = routing.get_routing_wrapupcodes(page_size=100)
    everything = routing.get_routing_wrapupcodes_divisionviews(page_size=100, include_state="ActiveAndDeleted")
    assert (active.total, everything.total) == (22, 25)
    assert all(code.division.name in ("Home", "Customer Care") for code in everything.entities)
    assert list(outdated_enum_attributes(everything)) == []


def test_directory_listings_read_into_sdk_models(api_client: sdk.api_client.ApiClient) -> None:
    routing, users, authorization = (
        sdk.RoutingApi(api_client),
        sdk.UsersApi(api_client),
        sdk.AuthorizationApi(api_client),
    )
    queues = routing.get_routing_queues(page_size=5, page_number=1)
    second_page = routing.get_routing_queues(page_size=5, page_number=2)
    everyone = users.get_users(page_size=100, state="any")
    active = users.get_users(page_size=100)
    divisions = authorization.get_authorization_divisions(page_size=100)
    deleted_divisions = authorization.get_authorization_divisions_deleted(page_size=100)
    offered = routing.get_routing_queue_wrapupcodes(queues.entities[0].id, page_size=100)

    assert (queues.total, queues.page_count, len(queues.entities) + len(second_page.entities)) == (8, 2, 8)
    assert {queue.division.name for queue in queues.entities + second_page.entities} == {"Home", "Customer Care"}
    assert {user.state for user in everyone.entities} == {"active", "inactive", "deleted"}
    assert {user.state for user in active.entities} == {"active"} and active.total == everyone.total - 2
    assert all(user.email and user.department and user.division.id for user in everyone.entities)
    assert {division.name: division.home_division for division in divisions.entities} == {
        "Home": True,
        "Customer Care": False,
    }
    assert [division.name for division in deleted_divisions.entities] == ["Partner Desk"]
    assert 6 <= offered.total == len(offered.entities) <= 11
    for listing in (queues, everyone, divisions, deleted_divisions, offered):
        assert list(outdated_enum_attributes(listing)) == []
