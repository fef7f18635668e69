"""The org's directory as history: queues, users and divisions (records/scd.py), and the daily
snapshot of which wrap-up codes each queue offers.

Facts about the API (README "Queues, users and divisions"): queues and divisions carry no state;
Genesys lists no deleted queue (a queue that leaves the listing was deleted: `MissingPolicy.DELETE`)
and lists soft-deleted divisions apart (`/authorization/divisions/deleted`); users carry `state`
(active, inactive, deleted) and `state=any` lists all of them. Only queues have creation and
modification dates; users and divisions are dated by the refresh.

User names and e-mail addresses are personal data: by default they are left out (null columns),
`PersonalData.KEEP` stores them, `PersonalData.HASH` stores their SHA-256 (a pseudonym that still
joins, not an anonymisation).
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable
from datetime import datetime

import pyarrow as pa

from wrapup_assets.records.codes_history import genesys_timestamp
from wrapup_assets.records.scd import (
    CREATED_AT,
    LABEL,
    MODIFIED_AT,
    TIMESTAMP,
    HistorySpec,
    MissingPolicy,
    described_field,
    validity_fields,
)

ACTIVE = "active"
DELETED = "deleted"

QUEUE_HISTORY = HistorySpec(
    key="queue_id",
    tracked=("name", "division_id", "description", "state"),
    schema=pa.schema(
        [
            described_field("queue_id", pa.string(), False, "Genesys routing queue id (the records' queue_id)."),
            described_field("name", pa.string(), True, "The queue's name during this version."),
            described_field("division_id", LABEL, True, "Division of the queue during this version."),
            described_field("description", pa.string(), True, "The queue's description during this version."),
            described_field("state", LABEL, False, "active, or deleted once the queue left Genesys' listing."),
            *validity_fields("queue"),
        ]
    ),
    missing=MissingPolicy.DELETE,
)
USER_HISTORY = HistorySpec(
    key="user_id",
    tracked=("name", "email", "division_id", "department", "title", "manager_id", "state"),
    schema=pa.schema(
        [
            described_field("user_id", pa.string(), False, "Genesys user id (the records' agent_id)."),
            described_field(
                "name", pa.string(), True, "Personal: null unless run config personal_data keeps or hashes it."
            ),
            described_field(
                "email", pa.string(), True, "Personal: null unless run config personal_data keeps or hashes it."
            ),
            described_field("division_id", LABEL, True, "Division of the user during this version."),
            described_field("department", LABEL, True, "The user's department during this version."),
            described_field("title", LABEL, True, "The user's title during this version."),
            described_field("manager_id", pa.string(), True, "User id of the manager during this version."),
            described_field("state", LABEL, False, "active, inactive or deleted."),
            *validity_fields("user"),
        ]
    ),
    personal=frozenset({"name", "email"}),
)
DIVISION_HISTORY = HistorySpec(
    key="division_id",
    tracked=("name", "description", "home_division", "state"),
    schema=pa.schema(
        [
            described_field("division_id", pa.string(), False, "Genesys division id."),
            described_field("name", pa.string(), True, "The division's name during this version."),
            described_field("description", pa.string(), True, "The division's description during this version."),
            described_field("home_division", pa.bool_(), True, "True for the org's home (default) division."),
            described_field("state", LABEL, False, "active or deleted."),
            *validity_fields("division"),
        ]
    ),
)
QUEUE_WRAPUP_CODES_SCHEMA = pa.schema(
    [
        described_field("queue_id", LABEL, False, "Genesys routing queue id."),
        described_field("wrap_up_code_id", pa.string(), False, "A wrap-up code the queue offers its agents."),
        described_field("wrap_up_code_name", pa.string(), True, "The code's name at the snapshot."),
        described_field("snapshot_at", TIMESTAMP, False, "When Genesys was asked (UTC)."),
    ]
)


class PersonalData(enum.Enum):
    """What genesys_users stores of a user's name and e-mail address."""

    OMIT = "omit"
    KEEP = "keep"
    HASH = "hash"


def _reference_id(entity: dict, name: str) -> str | None:
    return (entity.get(name) or {}).get("id")


def queue_snapshot(queues: Iterable[dict]) -> pa.Table:
    """The routing queues listing as QUEUE_HISTORY's snapshot (all listed queues are active)."""
    rows = [
        {
            "queue_id": queue["id"],
            "name": queue.get("name"),
            "division_id": _reference_id(queue, "division"),
            "description": queue.get("description"),
            "state": ACTIVE,
            CREATED_AT: genesys_timestamp(queue.get("dateCreated")),
            MODIFIED_AT: genesys_timestamp(queue.get("dateModified")),
        }
        for queue in queues
    ]
    return pa.Table.from_pylist(rows, schema=QUEUE_HISTORY.snapshot_schema)


def _personal(value: object, personal_data: PersonalData) -> str | None:
    if not isinstance(value, str) or personal_data is PersonalData.OMIT:
        return None
    if personal_data is PersonalData.HASH:
        return hashlib.sha256(value.strip().lower().encode()).hexdigest()
    return value


def user_snapshot(users: Iterable[dict], personal_data: PersonalData = PersonalData.OMIT) -> pa.Table:
    """The users listing (`state=any`) as USER_HISTORY's snapshot; name and e-mail as `personal_data` says."""
    rows = [
        {
            "user_id": user["id"],
            "name": _personal(user.get("name"), personal_data),
            "email": _personal(user.get("email"), personal_data),
            "division_id": _reference_id(user, "division"),
            "department": user.get("department"),
            "title": user.get("title"),
            "manager_id": _reference_id(user, "manager"),
            "state": user.get("state") or ACTIVE,
            CREATED_AT: None,
            MODIFIED_AT: None,
        }
        for user in users
    ]
    return pa.Table.from_pylist(rows, schema=USER_HISTORY.snapshot_schema)


def division_snapshot(active: Iterable[dict], deleted: Iterable[dict]) -> pa.Table:
    """Both division listings as DIVISION_HISTORY's snapshot (a division in both is active)."""
    divisions = {}
    for state, entities in ((DELETED, deleted), (ACTIVE, active)):
        for division in entities:
            divisions[division["id"]] = {
                "division_id": division["id"],
                "name": division.get("name"),
                "description": division.get("description"),
                "home_division": division.get("homeDivision"),
                "state": state,
                CREATED_AT: None,
                MODIFIED_AT: None,
            }
    return pa.Table.from_pylist(list(divisions.values()), schema=DIVISION_HISTORY.snapshot_schema)


def queue_wrapup_codes_table(offers: dict[str, list[dict]], snapshot_at: datetime) -> pa.Table:
    """Which codes each queue offers (queue id -> the queue's code listing), sorted by queue and code."""
    rows = [
        {
            "queue_id": queue_id,
            "wrap_up_code_id": code["id"],
            "wrap_up_code_name": code.get("name"),
            "snapshot_at": snapshot_at,
        }
        for queue_id in sorted(offers)
        for code in sorted(offers[queue_id], key=lambda code: code["id"])
    ]
    return pa.Table.from_pylist(rows, schema=QUEUE_WRAPUP_CODES_SCHEMA)
