"""Which conversations a details query or job returns: interval, matching rule, filters, order."""

from __future__ import annotations

import functools
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow.compute as pc

from wrapup_assets.emulator.conversation_source import ConversationSource
from wrapup_assets.emulator.errors import ApiError
from wrapup_assets.emulator.generator import MAX_CONVERSATION_DURATION_MS
from wrapup_assets.emulator.instants import DAY_MS, HOUR_MS, floor_to, parse_interval
from wrapup_assets.emulator.matching import Matching, PlannedRun, RenderedRun, Run
from wrapup_assets.emulator.rendered_hours import is_settled

EndedFilter = Callable[[bool], bool]
ORDERS = ("asc", "desc", "unordered")
EXISTENCE_OPERATORS: dict[str, EndedFilter] = {
    "exists": lambda ended: ended,
    "notexists": lambda ended: not ended,
}
# The clock a selection is computed at when every hour it reads has ended: any later clock gives
# the same conversations, so one memoized answer serves them all.
SETTLED_CLOCK_MS = 2**62
SELECTIONS_KEPT = 64


@dataclass(frozen=True)
class Selection:
    """A parsed query body: the interval, the order and which states pass the conversation filters.

    The only supported filter dimension is conversationEnd (exists or not), so any combination of
    filters comes down to whether ended and whether open conversations pass: `ended_states`.
    """

    start_ms: int
    end_ms: int
    descending: bool
    ended_states: frozenset[bool]


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
    ended_filters = [_conversation_filter(item) for item in filters]
    ended_states = frozenset(ended for ended in (True, False) if all(check(ended) for check in ended_filters))
    return Selection(start_ms, end_ms, order == "desc", ended_states)


def _conversation_filter(item: Any) -> EndedFilter:
    if not isinstance(item, dict) or item.get("clauses"):
        raise ApiError(400, "conversationFilters: only filters with predicates are supported by the emulator")
    combine = {"and": all, "or": any}.get(item.get("type", "and"))
    if combine is None:
        raise ApiError(400, f"conversationFilters: type must be 'and' or 'or', got {item.get('type')!r}")
    predicates = [_predicate(predicate) for predicate in item.get("predicates") or []]
    return lambda ended: combine(predicate(ended) for predicate in predicates)


def _predicate(predicate: Any) -> EndedFilter:
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
    return EXISTENCE_OPERATORS[operator]


class Selector:
    """Selects the matching conversations of one source, remembering the latest answers.

    Every page of a paging run asks the same selection again; over a 500,000-conversation hour
    computing it took longer than rendering the page. An answer is kept per (selection, clock),
    where the clock is SETTLED_CLOCK_MS whenever every hour the selection reads has ended.
    """

    def __init__(self, source: ConversationSource) -> None:
        self.source = source
        self._matching = functools.lru_cache(maxsize=SELECTIONS_KEPT)(self._compute)

    def select(self, selection: Selection, now_ms: int, start_of_day_matching: bool) -> Matching:
        """The matching conversations in order.

        Every rule requires the conversation's lifetime [start, end or now) to overlap the interval.
        With `start_of_day_matching` (the details query, or a job that asks for it) it must also
        have started on a UTC day the interval touches; otherwise (jobs) any start counts.
        """
        if start_of_day_matching:
            first_start_ms = floor_to(selection.start_ms, DAY_MS)
            last_start_ms = floor_to(selection.end_ms - 1, DAY_MS) + DAY_MS
        else:
            first_start_ms = selection.start_ms - MAX_CONVERSATION_DURATION_MS
            last_start_ms = selection.end_ms
        # A conversation overlapping the interval started less than the longest duration before it.
        first_start_ms = max(first_start_ms, selection.start_ms - MAX_CONVERSATION_DURATION_MS)
        last_start_ms = min(last_start_ms, selection.end_ms)
        last_hour_ms = floor_to(last_start_ms - 1, HOUR_MS)
        clock_ms = SETTLED_CLOCK_MS if is_settled(last_hour_ms, now_ms) else now_ms
        matching = self._matching(selection, first_start_ms, last_start_ms, clock_ms)
        return matching.reversed() if selection.descending else matching

    def _compute(self, selection: Selection, first_start_ms: int, last_start_ms: int, now_ms: int) -> Matching:
        runs: list[Run] = []
        hour_ms = floor_to(first_start_ms, HOUR_MS)
        while hour_ms < last_start_ms and hour_ms <= now_ms:
            if is_settled(hour_ms, now_ms):
                if True in selection.ended_states:  # every conversation of the hour has ended
                    runs.append(self._rendered_run(selection, first_start_ms, last_start_ms, hour_ms))
            else:
                runs.append(self._planned_run(selection, first_start_ms, last_start_ms, hour_ms, now_ms))
            hour_ms += HOUR_MS
        return Matching(runs)

    def _rendered_run(self, selection: Selection, first_start_ms: int, last_start_ms: int, hour_ms: int) -> RenderedRun:
        """Overlap by start and end only: a settled hour exists and has ended at any clock it is read at."""
        hour = self.source.rendered_hours.hour(hour_ms)
        starts, ends = hour.starts, hour.ends
        overlapping = pc.and_(
            pc.and_(pc.greater_equal(starts, first_start_ms), pc.less(starts, last_start_ms)),
            pc.greater(ends, selection.start_ms),
        )
        return RenderedRun(hour, array("q", pc.indices_nonzero(overlapping).to_pylist()))

    def _planned_run(
        self, selection: Selection, first_start_ms: int, last_start_ms: int, hour_ms: int, now_ms: int
    ) -> PlannedRun:
        return PlannedRun(
            tuple(
                plan
                for plan in self.source.started_between(hour_ms, hour_ms + HOUR_MS, now_ms)
                if first_start_ms <= plan.start_ms < last_start_ms
                and min(plan.end_ms, now_ms) > selection.start_ms
                and (plan.end_ms <= now_ms) in selection.ended_states
            )
        )
