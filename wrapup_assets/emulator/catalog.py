"""The wrap-up code catalog endpoints: active codes, and division views that include deleted ones."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from wrapup_assets.emulator.errors import ApiError
from wrapup_assets.emulator.organization import Organization, WrapUpCode

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 500
STATES = {"Active": (False,), "Deleted": (True,), "ActiveAndDeleted": (False, True)}
CODES_PATH = "/api/v2/routing/wrapupcodes"


def wrapup_code_listing(organization: Organization, path: str, params: dict[str, str]) -> dict[str, Any]:
    """An entity listing page. `includeState` only applies to the division views; `name` is a
    case-insensitive substring filter (Genesys also accepts a trailing `*`, which is ignored here)."""
    state = params.get("includeState", "Active") if path.endswith("/divisionviews") else "Active"
    if state not in STATES:
        raise ApiError(400, f"includeState must be one of {', '.join(STATES)}, got {state!r}")
    page_size, page_number = page_parameters(params)
    name_filter = params.get("name", "").rstrip("*").lower()
    codes = sorted(
        (code for code in organization.codes if code.deleted in STATES[state] and name_filter in code.name.lower()),
        key=lambda code: code.name.lower(),
    )
    extra = {name: params[name] for name in ("name", "includeState") if name in params}
    return paged_listing([code_entity(code) for code in codes], path, page_size, page_number, extra)


def paged_listing(
    entities: list[dict[str, Any]], path: str, page_size: int, page_number: int, extra: dict[str, str]
) -> dict[str, Any]:
    """One page of a Genesys entity listing (`entities`, `pageSize`, `pageNumber`, `total`,
    `pageCount`, and the page URIs), `extra` being the query parameters the URIs repeat."""
    page_count = math.ceil(len(entities) / page_size)
    first = (page_number - 1) * page_size

    def page_uri(number: int) -> str:
        return f"{path}?{urlencode({'pageSize': page_size, 'pageNumber': number, **extra})}"

    listing: dict[str, Any] = {
        "entities": entities[first : first + page_size],
        "pageSize": page_size,
        "pageNumber": page_number,
        "total": len(entities),
        "pageCount": page_count,
        "firstUri": page_uri(1),
        "selfUri": page_uri(page_number),
        "lastUri": page_uri(max(page_count, 1)),
    }
    if page_number < page_count:
        listing["nextUri"] = page_uri(page_number + 1)
    if 1 < page_number <= page_count + 1:
        listing["previousUri"] = page_uri(page_number - 1)
    return listing


def page_parameters(params: dict[str, str]) -> tuple[int, int]:
    """`pageSize` and `pageNumber` of a listing request, with Genesys' defaults and limits."""
    page_size = _positive_int(params, "pageSize", DEFAULT_PAGE_SIZE)
    page_number = _positive_int(params, "pageNumber", 1)
    if page_size > MAX_PAGE_SIZE:
        raise ApiError(400, f"pageSize must be at most {MAX_PAGE_SIZE}, got {page_size}")
    return page_size, page_number


def _positive_int(params: dict[str, str], name: str, default: int) -> int:
    text = params.get(name)
    if text is None:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ApiError(400, f"{name} must be a positive integer, got {text!r}")
    return int(text)


def code_entity(code: WrapUpCode) -> dict[str, Any]:
    """A code as the SDK's WrapupCode model has it."""
    return {
        "id": code.code_id,
        "name": code.name,
        "division": {
            "id": code.division.division_id,
            "name": code.division.name,
            "selfUri": f"/api/v2/authorization/divisions/{code.division.division_id}",
        },
        "description": f"{code.name} (deleted)" if code.deleted else code.name,
        "dateCreated": code.date_created,
        "dateModified": code.date_modified,
        "createdBy": code.created_by,
        "modifiedBy": code.modified_by,
        "selfUri": f"{CODES_PATH}/{code.code_id}",
    }
