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


def details_query(source: ConversationSource, body: dict[str, Any]) -> dict[str, Any]:
    """One page of matching conversations and the total; a page past the end has no `conversations`."""
    selection = parse_selection(body, MAX_INTERVAL_MS)
    page_size, page_number = _paging(body.get("paging") or {})
    now_ms = source.now_ms()
    matching = select(source, selection, now_ms, start_of_day_matching=True)
    first = (page_number - 1) * page_size
    page = [render_conversation(plan, now_ms) for plan in matching[first : first + page_size]]
    return without_empty({"conversations": page, "totalHits": len(matching)})


def _paging(paging: dict[str, Any]) -> tuple[int, int]:
    page_size = paging.get("pageSize", DEFAULT_PAGE_SIZE)
    page_number = paging.get("pageNumber", 1)
    if not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ApiError(400, f"paging.pageSize must be between 1 and {MAX_PAGE_SIZE}, got {page_size!r}")
    if not isinstance(page_number, int) or page_number < 1:
        raise ApiError(400, f"paging.pageNumber must be 1 or more, got {page_number!r}")
    if page_number * page_size > MAX_RESULTS:
        raise ApiError(400, "Pagination may not exceed 100000 results.")
    return page_size, page_number
