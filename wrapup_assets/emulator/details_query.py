"""`POST /api/v2/analytics/conversations/details/query`: page-numbered, no cursor."""

from __future__ import annotations

from typing import Any

from wrapup_assets.emulator.conversation_json import page_json
from wrapup_assets.emulator.errors import ApiError
from wrapup_assets.emulator.instants import DAY_MS
from wrapup_assets.emulator.selection import Selector, parse_selection

MAX_INTERVAL_MS = 7 * DAY_MS
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
MAX_RESULTS = 100_000


def details_query(
    selector: Selector,
    body: dict[str, Any],
    *,
    result_cap: int = MAX_RESULTS,
    page_shift: int = 0,
    total_hits_drift: int = 0,
) -> bytes:
    """One page of matching conversations and the total, as the JSON bytes of the answer; a page
    past the end has no `conversations`.

    `page_shift` conversations arrived ahead of this interval's later pages while it was paged:
    pages after the first start that many conversations earlier and `totalHits` counts them.
    `total_hits_drift` misreports this page's `totalHits` (never below 0).
    """
    selection = parse_selection(body, MAX_INTERVAL_MS)
    page_size, page_number = _paging(body.get("paging") or {}, result_cap)
    now_ms = selector.source.now_ms()
    matching = selector.select(selection, now_ms, start_of_day_matching=True)
    first = (page_number - 1) * page_size
    if page_number > 1:
        first = max(0, first - page_shift)
    page = matching.conversations_json(first, first + page_size, now_ms)
    total_hits = max(0, len(matching) + page_shift + total_hits_drift)
    return page_json(page, {"totalHits": total_hits})


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
