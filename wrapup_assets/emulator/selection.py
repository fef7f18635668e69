"""Which conversations a details query or job returns: interval, matching rule, filters, order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wrapup_assets.emulator.conversation_source import ConversationSource
from wrapup_assets.emulator.errors import ApiError
from wrapup_assets.emulator.generator import MAX_CONVERSATION_DURATION_MS
from wrapup_assets.emulator.instants import DAY_MS, floor_to, parse_interval
from wrapup_assets.emulator.model import ConversationPlan

ConversationPredicate = Callable[[ConversationPlan, int], bool]
ORDERS = ("asc", "desc", "unordered")
EXISTENCE_OPERATORS: dict[str, Callable[[bool], bool]] = {
    "exists": lambda ended: ended,
    "notexists": lambda ended: not ended,
}


@dataclass(frozen=True)
class Selection:
    """A parsed query body: the interval, the order and the conversation filters."""

    start_ms: int
    end_ms: int
    descending: bool
    predicates: tuple[ConversationPredicate, ...]


def parse_body_interval(body: dict[str, Any], max_interval_ms: int) -> tuple[int, int]:
    """The body's required `interval` as epoch milliseconds; ApiError 400 when missing, malformed or too long."""
    interval = body.get("interval")
    if not isinstance(interval, str):
        raise ApiError(400, "interval is required and must be 'start/end' in ISO 8601")
    try:
        start_ms, end_ms = parse_interval(interval)
    except ValueError as error:
        raise ApiError(400, f"Invalid interval: {error}") from None
    if end_ms - start_ms > max_interval_ms:
        raise ApiError(400, f"Interval {interval} exceeds the maximum of {max_interval_ms // DAY_MS} days")
    return start_ms, end_ms


def parse_selection(body: dict[str, Any], max_interval_ms: int) -> Selection:
    """Reads interval, order, orderBy and conversationFilters; ApiError 400 on anything unsupported."""
    start_ms, end_ms = parse_body_interval(body, max_interval_ms)
    order = body.get("order", "asc")
    if order not in ORDERS:
        raise ApiError(400, f"order must be one of {', '.join(ORDERS)}, got {order!r}")
    order_by = body.get("orderBy", "conversationStart")
    if order_by != "conversationStart":
        raise ApiError(400, f"orderBy {order_by!r} is not supported by the emulator (only conversationStart)")
    filters = body.get("conversationFilters") or []
    if not isinstance(filters, list):
        raise ApiError(400, "conversationFilters must be a list")
    return Selection(start_ms, end_ms, order == "desc", tuple(_conversation_filter(item) for item in filters))


def _conversation_filter(item: Any) -> ConversationPredicate:
    if not isinstance(item, dict) or item.get("clauses"):
        raise ApiError(400, "conversationFilters: only filters with predicates are supported by the emulator")
    combine = {"and": all, "or": any}.get(item.get("type", "and"))
    if combine is None:
        raise ApiError(400, f"conversationFilters: type must be 'and' or 'or', got {item.get('type')!r}")
    predicates = [_predicate(predicate) for predicate in item.get("predicates") or []]
    return lambda plan, now_ms: combine(predicate(plan, now_ms) for predicate in predicates)


def _predicate(predicate: Any) -> ConversationPredicate:
    if not isinstance(predicate, dict):
        raise ApiError(400, "conversationFilters: a predicate must be an object")
    operator = str(predicate.get("operator", "")).lower()
    if (
        predicate.get("type", "dimension") != "dimension"
        or predicate.get("dimension") != "conversationEnd"
        or operator not in EXISTENCE_OPERATORS
    ):
        raise ApiError(
            400,
            "conversationFilters: the emulator supports only the dimension conversationEnd with "
            f"operator exists or notExists, got {predicate}",
        )
    check = EXISTENCE_OPERATORS[operator]
    return lambda plan, now_ms: check(plan.end_ms <= now_ms)


def select(
    source: ConversationSource, selection: Selection, now_ms: int, start_of_day_matching: bool
) -> list[ConversationPlan]:
    """The matching conversations in order.

    Every rule requires the conversation's lifetime [start, end or now) to overlap the interval.
    With `start_of_day_matching` (the details query, or a job that asks for it) it must also have
    started on a UTC day the interval touches; otherwise (jobs) any start counts.
    """
    if start_of_day_matching:
        first_start_ms = floor_to(selection.start_ms, DAY_MS)
        last_start_ms = floor_to(selection.end_ms - 1, DAY_MS) + DAY_MS
    else:
        first_start_ms = selection.start_ms - MAX_CONVERSATION_DURATION_MS
        last_start_ms = selection.end_ms
    matching = [
        plan
        for plan in source.started_between(first_start_ms, last_start_ms, now_ms)
        if plan.start_ms < selection.end_ms
        and min(plan.end_ms, now_ms) > selection.start_ms
        and all(predicate(plan, now_ms) for predicate in selection.predicates)
    ]
    return matching[::-1] if selection.descending else matching
