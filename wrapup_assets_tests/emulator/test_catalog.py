from __future__ import annotations

from wrapup_assets.emulator import GenesysEmulator
from wrapup_assets.emulator.organization import ACTIVE_CODE_NAMES, DELETED_CODE_NAMES
from wrapup_assets_tests.emulator.conftest import ApiSession

CODES = "/api/v2/routing/wrapupcodes"
VIEWS = "/api/v2/routing/wrapupcodes/divisionviews"


def names(api: ApiSession, path: str, **params: object) -> list[str]:
    response = api.get(path, pageSize=100, **params)
    assert response.status_code == 200, response.text
    return [entity["name"] for entity in response.json()["entities"]]


def test_active_listing_pages_through_the_active_codes_sorted_by_name(api: ApiSession) -> None:
    pages = [api.get(CODES, pageSize=10, pageNumber=number).json() for number in (1, 2, 3)]
    assert [page["total"] for page in pages] == [22, 22, 22]
    assert [page["pageCount"] for page in pages] == [3, 3, 3]
    assert [len(page["entities"]) for page in pages] == [10, 10, 2]
    assert pages[0]["nextUri"] == f"{CODES}?pageSize=10&pageNumber=2"
    assert "nextUri" not in pages[2]
    assert pages[2]["lastUri"] == pages[2]["selfUri"] == f"{CODES}?pageSize=10&pageNumber=3"
    listed = [entity["name"] for page in pages for entity in page["entities"]]
    assert listed == sorted(ACTIVE_CODE_NAMES, key=str.lower)


def test_code_entity_has_the_routing_api_fields(api: ApiSession) -> None:
    entity = api.get(CODES, pageSize=1).json()["entities"][0]
    assert set(entity) == {
        "id",
        "name",
        "division",
        "description",
        "dateCreated",
        "dateModified",
        "createdBy",
        "modifiedBy",
        "selfUri",
    }
    assert set(entity["division"]) == {"id", "name", "selfUri"}
    assert entity["selfUri"] == f"{CODES}/{entity['id']}"


def test_codes_live_in_two_divisions(api: ApiSession) -> None:
    entities = api.get(VIEWS, pageSize=100, includeState="ActiveAndDeleted").json()["entities"]
    assert len({entity["division"]["id"] for entity in entities}) == 2


def test_division_views_show_deleted_codes_only_when_asked(api: ApiSession) -> None:
    assert names(api, VIEWS) == names(api, CODES)
    assert names(api, VIEWS, includeState="Deleted") == sorted(DELETED_CODE_NAMES, key=str.lower)
    assert sorted(names(api, VIEWS, includeState="ActiveAndDeleted")) == sorted(ACTIVE_CODE_NAMES + DELETED_CODE_NAMES)


def test_unknown_include_state_is_a_bad_request(api: ApiSession) -> None:
    assert api.get(VIEWS, includeState="Archived").status_code == 400


def test_name_filter_matches_case_insensitively(api: ApiSession) -> None:
    assert names(api, CODES, name="billing") == ["Billing question"]


def test_labels_cover_active_and_deleted_codes_of_the_listing(emulator: GenesysEmulator, api: ApiSession) -> None:
    entities = api.get(VIEWS, pageSize=100, includeState="ActiveAndDeleted").json()["entities"]
    assert emulator.wrapup_code_labels() == {entity["id"]: entity["name"] for entity in entities}
