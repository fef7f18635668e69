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
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pyarrow as pa

_LABEL = pa.dictionary(pa.int32(), pa.string())
_TIMESTAMP = pa.timestamp("us", tz="UTC")
# The earliest instant a first version can claim when Genesys does not say when the code was created.
BEGINNING_OF_TIME = datetime(1970, 1, 1, tzinfo=UTC)
FIRST_CHANGES = 10


def _field(name: str, arrow_type: pa.DataType, nullable: bool, description: str) -> pa.Field:
    return pa.field(name, arrow_type, nullable=nullable, metadata={b"description": description.encode()})


CODE_HISTORY_SCHEMA = pa.schema(
    [
        _field("wrap_up_code_id", pa.string(), False, "Genesys wrap-up code id."),
        _field("name", pa.string(), True, "The code's name during this version."),
        _field("division_id", _LABEL, True, "Division of the code."),
        _field("division_name", _LABEL, True, "Name of the division."),
        _field("description", pa.string(), True, "The code's description during this version."),
        _field("state", _LABEL, False, "active or deleted."),
        _field("valid_from", _TIMESTAMP, False, "First instant (UTC) this version describes the code."),
        _field("valid_to", _TIMESTAMP, True, "First instant it no longer does; null for the current version."),
        _field("is_current", pa.bool_(), False, "True for the version valid now."),
    ]
)
TRACKED_ATTRIBUTES = ("name", "division_id", "division_name", "description", "state")


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

    def attributes(self) -> tuple:
        return tuple(getattr(self, name) for name in TRACKED_ATTRIBUTES)


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


def _timestamp(value: object) -> datetime | None:
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
            created = _timestamp(entity.get("dateCreated"))
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
                date_modified=_timestamp(entity.get("dateModified")),
            )
    return codes


def merge_code_history(
    previous: Iterable[CodeVersion], catalog: Mapping[str, CatalogCode], refreshed_at: datetime
) -> tuple[list[CodeVersion], HistoryChanges]:
    """The history after a refresh at `refreshed_at`: previous versions kept, changed codes closed
    and reopened, new codes added. Sorted by code id, then valid_from."""
    history: dict[str, list[CodeVersion]] = {}
    for version in previous:
        history.setdefault(version.wrap_up_code_id, []).append(version)
    changes = HistoryChanges()
    for code_id, code in sorted(catalog.items()):
        versions = history.setdefault(code_id, [])
        current = next((version for version in versions if version.is_current), None)
        if current is None:
            opened = code.version
            if opened.valid_from > refreshed_at:
                opened = replace(opened, valid_from=refreshed_at)
            versions.append(opened)
            changes.new_codes.append(code_id)
            changes.descriptions.append(f"{code_id}: new, {opened.state}, {opened.name!r}")
        elif current.attributes() != code.version.attributes():
            changed_at = code.date_modified
            if changed_at is None or not current.valid_from < changed_at <= refreshed_at:
                changed_at = refreshed_at
            versions[versions.index(current)] = replace(current, valid_to=changed_at)
            versions.append(replace(code.version, valid_from=changed_at))
            changes.changed_codes.append(code_id)
            changes.descriptions.append(f"{code_id}: {_difference(current, code.version)}")
    changes.missing_from_catalog = sorted(
        code_id
        for code_id, versions in history.items()
        if code_id not in catalog and any(version.is_current for version in versions)
    )
    rows = [version for code_id in sorted(history) for version in sorted(history[code_id], key=_by_start)]
    return rows, changes


def _by_start(version: CodeVersion) -> datetime:
    return version.valid_from


def _difference(before: CodeVersion, after: CodeVersion) -> str:
    return ", ".join(
        f"{name} {getattr(before, name)!r} -> {getattr(after, name)!r}"
        for name in TRACKED_ATTRIBUTES
        if getattr(before, name) != getattr(after, name)
    )


def history_table(versions: Iterable[CodeVersion]) -> pa.Table:
    """The history as the lake stores it (CODE_HISTORY_SCHEMA)."""
    versions = list(versions)
    columns = {name: [getattr(version, name) for version in versions] for name in CODE_HISTORY_SCHEMA.names}
    columns["is_current"] = [version.is_current for version in versions]
    return pa.Table.from_pydict(columns, schema=CODE_HISTORY_SCHEMA)


def history_versions(table: pa.Table) -> list[CodeVersion]:
    """The versions of a stored history table; is_current is derived from valid_to."""
    names = [name for name in CODE_HISTORY_SCHEMA.names if name != "is_current"]
    return [CodeVersion(**{name: row[name] for name in names}) for row in table.select(names).to_pylist()]


def is_code_history(schema: pa.Schema) -> bool:
    """True when a stored wrapup_codes table is a history (the first catalog snapshots were not)."""
    return all(name in schema.names for name in CODE_HISTORY_SCHEMA.names)
