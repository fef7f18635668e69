"""`POST /api/v2/analytics/conversations/details/query`: page-numbered, no cursor."""

from __future__ import annotations

from typing import Any

from wrapup_assets.emulator.conversation_source import ConversationSource
from wrapup_assets.emulator.errors import ApiError
from wrapup_assets.emulator.instants import DAY_MS
from wrapup_assets.emulator.rendering import render_conversation, without_empty
from wrapup_assets.emulator.selection import parse_selection, select

MAX_INTERVAL_MS = 7 * DAY_MS
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
MAX_RESULTS = 100_000


def details_query(
    source: ConversationSource,
    body: dict[str, Any],
    *,
    result_cap: int = MAX_RESULTS,
    page_shift: int = 0,
    total_hits_drift: int = 0,
) -> dict[str, Any]:
    """One page of matching conversations and the total; a page past the end has no `conversations`.

    `page_shift` conversations arrived ahead of this interval's later pages while it was paged:
    pages after the first start that many conversations earlier and `totalHits` counts them.
    `total_hits_drift` misreports this page's `totalHits` (never below 0).
    """
    selection = parse_selection(body, MAX_INTERVAL_MS)
    page_size, page_number = _paging(body.get("paging") or {}, result_cap)
    now_ms = source.now_ms()
    matching = select(source, selection, now_ms, start_of_day_matching=True)
    first = (page_number - 1) * page_size
    if page_number > 1:
        first = max(0, first - page_shift)
    page = [render_conversation(plan, now_ms) for plan in matching[first : first + page_size]]
    total_hits = max(0, len(matching) + page_shift + total_hits_drift)
    return without_empty({"conversations": page, "totalHits": total_hits})


def _paging(paging: dict[str, Any], result_cap: int) -> tuple[int, int]:
    page_size = paging.get("pageSize", DEFAULT_PAGE_SIZE)
    page_number = paging.get("pageNumber", 1)
    if not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ApiError(400, f"paging.pageSize must be between 1 and {MAX_PAGE_SIZE}, got {page_size!r}")
    if not isinstance(page_number, int) or page_number < 1:
        raise ApiError(400, f"paging.pageNumber must be 1 or more, got {page_number!r}")
    if page_number * page_size > result_cap:
        raise ApiError(400, f"Pagination may not exceed {result_cap} results.")
    return page_size, page_number
