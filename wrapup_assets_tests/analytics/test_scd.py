"""The shared history merge (records/scd.py) on the directory's specs: what the codes' tests do not cover."""

from datetime import UTC, datetime

import pytest

from wrapup_assets.records.directory import (
    QUEUE_HISTORY,
    USER_HISTORY,
    PersonalData,
    queue_snapshot,
    user_snapshot,
)
from wrapup_assets.records.scd import BEGINNING_OF_TIME, EmptySnapshotError, merge_history

FIRST, SECOND = datetime(2024, 5, 1, 6, tzinfo=UTC), datetime(2024, 5, 2, 6, tzinfo=UTC)


def queue(queue_id: str, name: str, modified: str = "2024-01-01T00:00:00.000Z") -> dict:
    return {
        "id": queue_id,
        "name": name,
        "division": {"id": "d1"},
        "dateCreated": "2023-02-01T09:00:00.000Z",
        "dateModified": modified,
    }


def user(user_id: str, name: str, state: str = "active") -> dict:
    return {"id": user_id, "name": name, "email": f"{name}@example.com", "state": state, "division": {"id": "d1"}}


def test_a_queue_that_leaves_the_listing_is_closed_with_a_deleted_version():
    first, _ = merge_history(QUEUE_HISTORY, None, queue_snapshot([queue("a", "Sales"), queue("b", "Promo")]), FIRST)

    second, changes = merge_history(QUEUE_HISTORY, first, queue_snapshot([queue("a", "Sales")]), SECOND)
    third, again = merge_history(QUEUE_HISTORY, second, queue_snapshot([queue("a", "Sales")]), SECOND)

    promo = [(r["state"], r["valid_from"], r["valid_to"]) for r in second.to_pylist() if r["queue_id"] == "b"]
    assert promo == [("active", datetime(2023, 2, 1, 9, tzinfo=UTC), SECOND), ("deleted", SECOND, None)]
    assert changes.deleted_as_missing == ["b"]
    assert third.equals(second) and again.deleted_as_missing == []


def test_an_empty_queue_listing_does_not_delete_every_queue():
    first, _ = merge_history(QUEUE_HISTORY, None, queue_snapshot([queue("a", "Sales")]), FIRST)

    with pytest.raises(EmptySnapshotError, match="lists no queue while the history has 1 current ones"):
        merge_history(QUEUE_HISTORY, first, queue_snapshot([]), SECOND)


def test_a_user_change_is_described_without_personal_values():
    first, _ = merge_history(USER_HISTORY, None, user_snapshot([user("u", "Ava")], PersonalData.KEEP), FIRST)

    second, changes = merge_history(
        USER_HISTORY, first, user_snapshot([user("u", "Eva", state="deleted")], PersonalData.KEEP), SECOND
    )

    assert [(r["name"], r["state"], r["valid_from"]) for r in second.to_pylist()] == [
        ("Ava", "active", BEGINNING_OF_TIME),
        ("Eva", "deleted", SECOND),
    ]
    assert changes.descriptions == ["u: name changed, email changed, state 'active' -> 'deleted'"]
    assert "Ava" not in str(changes) and "Eva" not in str(changes)


def test_a_user_missing_from_the_listing_is_kept_and_reported():
    first, _ = merge_history(USER_HISTORY, None, user_snapshot([user("u", "Ava")]), FIRST)

    second, changes = merge_history(USER_HISTORY, first, user_snapshot([]), SECOND)

    assert second.equals(first) and changes.missing == ["u"]
