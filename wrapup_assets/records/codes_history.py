"""The wrap-up code catalog as a type-2 slowly changing dimension: one row per version of a code.

Admins rename and delete codes; records keep the code id. To label an interaction with the name
the code had *at the interaction's time*, every version is kept with the interval it was valid in:
`valid_from <= t < valid_to` (`valid_to` null for the current version). Each refresh compares the
catalog with the current versions of the previous history: a change of name, division, description
or state (active/deleted) closes the current version and opens a new one.

Times: a code seen for the first time is valid from its `dateCreated` (it cannot have been used
before), so records exported before the first refresh still find a label. A change is dated by the
code's `dateModified` when that lies after the previous version's start and not after the refresh,
else by the refresh time. A code missing from both listings (e.g. its division is no longer
visible to the OAuth client) keeps its versions unchanged and is reported, never closed by guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow as pa

from wrapup_assets.records.scd import (
    BEGINNING_OF_TIME,
    CREATED_AT,
    LABEL,
    MODIFIED_AT,
    HistorySpec,
    described_field,
    is_history,
    merge_history,
    validity_fields,
)

FIRST_CHANGES = 10

CODE_HISTORY_SCHEMA = pa.schema(
    [
        described_field("wrap_up_code_id", pa.string(), False, "Genesys wrap-up code id."),
        described_field("name", pa.string(), True, "The code's name during this version."),
        described_field("division_id", LABEL, True, "Division of the code."),
        described_field("division_name", LABEL, True, "Name of the division."),
        described_field("description", pa.string(), True, "The code's description during this version."),
        described_field("state", LABEL, False, "active or deleted."),
        *validity_fields("code"),
    ]
)
TRACKED_ATTRIBUTES = ("name", "division_id", "division_name", "description", "state")
CODE_HISTORY = HistorySpec(key="wrap_up_code_id", tracked=TRACKED_ATTRIBUTES, schema=CODE_HISTORY_SCHEMA)


@dataclass(frozen=True)
class CodeVersion:
    """One row of the history."""

    wrap_up_code_id: str
    name: str | None
    division_id: str | None
    division_name: str | None
    description: str | None
    state: str
    valid_from: datetime
    valid_to: datetime | None = None

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


@dataclass(frozen=True)
class CatalogCode:
    """A code as the catalog lists it now, with when Genesys says it was created and last modified."""

    version: CodeVersion
    date_created: datetime | None
    date_modified: datetime | None


@dataclass
class HistoryChanges:
    """What a refresh changed, for the materialization's metadata."""

    new_codes: list[str] = field(default_factory=list)
    changed_codes: list[str] = field(default_factory=list)
    descriptions: list[str] = field(default_factory=list)
    missing_from_catalog: list[str] = field(default_factory=list)


def genesys_timestamp(value: object) -> datetime | None:
    """A Genesys ISO-8601 instant (`2024-05-01T09:00:00.000Z`) as a UTC datetime; None when absent."""
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def catalog_codes(active: Iterable[dict], deleted: Iterable[dict]) -> dict[str, CatalogCode]:
    """The catalog by code id, state from the listing it came from (`Active` wins over `Deleted`).

    The SDK's WrapupCode has no state field: the state is known only by listing each state apart.
    """
    codes: dict[str, CatalogCode] = {}
    for state, entities in (("deleted", deleted), ("active", active)):
        for entity in entities:
            division = entity.get("division") or {}
            created = genesys_timestamp(entity.get("dateCreated"))
            codes[entity["id"]] = CatalogCode(
                version=CodeVersion(
                    wrap_up_code_id=entity["id"],
                    name=entity.get("name"),
                    division_id=division.get("id"),
                    division_name=division.get("name"),
                    description=entity.get("description"),
                    state=state,
                    valid_from=created or BEGINNING_OF_TIME,
                ),
                date_created=created,
                date_modified=genesys_timestamp(entity.get("dateModified")),
            )
    return codes


def catalog_snapshot(catalog: Mapping[str, CatalogCode]) -> pa.Table:
    """The catalog as the shared history merge takes it (records/scd.py)."""
    rows = [
        {
            "wrap_up_code_id": code_id,
            **{name: getattr(code.version, name) for name in TRACKED_ATTRIBUTES},
            CREATED_AT: code.date_created,
            MODIFIED_AT: code.date_modified,
        }
        for code_id, code in catalog.items()
    ]
    return pa.Table.from_pylist(rows, schema=CODE_HISTORY.snapshot_schema)


def merge_code_history(
    previous: Iterable[CodeVersion], catalog: Mapping[str, CatalogCode], refreshed_at: datetime
) -> tuple[list[CodeVersion], HistoryChanges]:
    """The history after a refresh at `refreshed_at`: previous versions kept, changed codes closed
    and reopened, new codes added. Sorted by code id, then valid_from."""
    merged, changes = merge_history(CODE_HISTORY, history_table(previous), catalog_snapshot(catalog), refreshed_at)
    return history_versions(merged), HistoryChanges(
        new_codes=changes.new,
        changed_codes=changes.changed,
        descriptions=changes.descriptions,
        missing_from_catalog=changes.missing,
    )


def history_table(versions: Iterable[CodeVersion]) -> pa.Table:
    """The history as the lake stores it (CODE_HISTORY_SCHEMA)."""
    versions = list(versions)
    columns = {name: [getattr(version, name) for version in versions] for name in CODE_HISTORY_SCHEMA.names}
    return pa.Table.from_pydict(columns, schema=CODE_HISTORY_SCHEMA)


def history_versions(table: pa.Table) -> list[CodeVersion]:
    """The versions of a stored history table; is_current is derived from valid_to."""
    names = [name for name in CODE_HISTORY_SCHEMA.names if name != "is_current"]
    return [CodeVersion(**{name: row[name] for name in names}) for row in table.select(names).to_pylist()]


def is_code_history(schema: pa.Schema) -> bool:
    """True when a stored wrapup_codes table is a history (the first catalog snapshots were not)."""
    return is_history(CODE_HISTORY, schema)
