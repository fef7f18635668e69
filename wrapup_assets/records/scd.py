"""Type-2 slowly changing dimensions: one implementation for every history the lake keeps.

Genesys only ever shows the current state of an entity (a wrap-up code, a queue, a user, a
division); the lake keeps every version with the interval it was valid in, `valid_from <= t <
valid_to` (`valid_to` null for the current version), so a fact can be named as of its own time.
Each refresh compares a snapshot of the API with the current versions of the stored history: a
change of a tracked attribute closes the current version and opens a new one.

Times: an entity seen for the first time is valid from its creation date when Genesys gives one,
else from the beginning of time (it existed before the first refresh: records exported earlier
still find a name). A change is dated by the entity's modification date when that lies after the
current version's start and not after the refresh, else by the refresh time. An entity missing
from the snapshot is either kept unchanged and reported (`MissingPolicy.KEEP`: absence may only
mean the OAuth client no longer sees it), or closed with a `deleted` version at the refresh time
(`MissingPolicy.DELETE`: when absence is the API's only deletion signal).

Pure functions over Arrow tables; the assets (assets/codes.py, assets/dimensions.py) are the glue.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc

TIMESTAMP = pa.timestamp("us", tz="UTC")
LABEL = pa.dictionary(pa.int32(), pa.string())
# The earliest instant a first version can claim when Genesys does not say when the entity was created.
BEGINNING_OF_TIME = datetime(1970, 1, 1, tzinfo=UTC)
VALIDITY_COLUMNS = ("valid_from", "valid_to", "is_current")
# A snapshot row's dates, as Genesys gives them (nullable): not stored in the history.
CREATED_AT = "created_at"
MODIFIED_AT = "modified_at"
DELETED = "deleted"


class EmptySnapshotError(ValueError):
    """A snapshot lists nothing while the history has current entities that it would delete."""


class MissingPolicy(enum.Enum):
    """What a refresh does with a current entity that the snapshot no longer lists."""

    KEEP = "keep"
    DELETE = "delete"


def described_field(name: str, arrow_type: pa.DataType, nullable: bool, description: str) -> pa.Field:
    """A schema field carrying the description the UI's column schema shows."""
    return pa.field(name, arrow_type, nullable=nullable, metadata={b"description": description.encode()})


def validity_fields(entity: str) -> list[pa.Field]:
    """The three columns every history ends with."""
    return [
        described_field("valid_from", TIMESTAMP, False, f"First instant (UTC) this version describes the {entity}."),
        described_field("valid_to", TIMESTAMP, True, "First instant it no longer does; null for the current version."),
        described_field("is_current", pa.bool_(), False, "True for the version valid now."),
    ]


@dataclass(frozen=True)
class HistorySpec:
    """How one kind of entity is kept: its key, the attributes whose change makes a new version,
    the stored schema (key, attributes, then `valid_from`, `valid_to`, `is_current`), what happens
    to entities missing from a snapshot, and which attributes are personal data (a change of one
    is described without its values, so names and addresses never reach Dagster's storage)."""

    key: str
    tracked: tuple[str, ...]
    schema: pa.Schema
    missing: MissingPolicy = MissingPolicy.KEEP
    personal: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        expected = [self.key, *self.tracked, *VALIDITY_COLUMNS]
        if self.schema.names != expected:
            raise ValueError(f"history schema columns {self.schema.names} must be {expected}")
        if self.missing is MissingPolicy.DELETE and "state" not in self.tracked:
            raise ValueError("MissingPolicy.DELETE needs a tracked 'state' attribute to record the deletion")

    @property
    def snapshot_schema(self) -> pa.Schema:
        """What a refresh hands in: the key and tracked attributes, plus Genesys' dates (nullable)."""
        fields = [self.schema.field(name) for name in (self.key, *self.tracked)]
        return pa.schema([*fields, pa.field(CREATED_AT, TIMESTAMP), pa.field(MODIFIED_AT, TIMESTAMP)])

    def empty_history(self) -> pa.Table:
        """A history with no versions yet."""
        return self.schema.empty_table()


@dataclass
class HistoryChanges:
    """What a refresh changed, for the materialization's metadata."""

    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    deleted_as_missing: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    descriptions: list[str] = field(default_factory=list)


def merge_history(
    spec: HistorySpec, previous: pa.Table | None, snapshot: pa.Table, refreshed_at: datetime
) -> tuple[pa.Table, HistoryChanges]:
    """The history after a refresh at `refreshed_at`: previous versions kept, changed entities
    closed and reopened, new ones added, missing ones kept or closed (`spec.missing`).

    Sorted by key, then valid_from; an unchanged snapshot returns the previous rows unchanged, so
    the stored files are rewritten byte for byte.
    """
    if previous is not None and not is_history(spec, previous.schema):
        raise ValueError(f"the stored history has columns {previous.schema.names}, expected {spec.schema.names}")
    if spec.missing is MissingPolicy.DELETE and snapshot.num_rows == 0 and previous is not None:
        live = current_versions(previous).filter(pc.not_equal(current_versions(previous)["state"], DELETED))
        if live.num_rows:
            raise EmptySnapshotError(
                f"the snapshot lists no {spec.key.removesuffix('_id')} while the history has {live.num_rows} current "
                "ones: refusing to mark them all deleted (check the OAuth client's permissions and divisions)"
            )
    history: dict[str, list[dict]] = {}
    for version in previous.select(spec.schema.names).to_pylist() if previous is not None else []:
        history.setdefault(version[spec.key], []).append(version)
    current_rows = {row[spec.key]: row for row in snapshot.select(spec.snapshot_schema.names).to_pylist()}
    changes = HistoryChanges()
    for key in sorted(current_rows):
        row = current_rows[key]
        versions = history.setdefault(key, [])
        current = _current(versions)
        attributes = {name: row[name] for name in spec.tracked}
        if current is None:
            valid_from = min(row[CREATED_AT] or BEGINNING_OF_TIME, refreshed_at)
            versions.append(_version(spec, key, attributes, valid_from))
            changes.new.append(key)
            changes.descriptions.append(f"{key}: new, {_summary(spec, attributes)}")
        elif any(current[name] != attributes[name] for name in spec.tracked):
            changed_at = row[MODIFIED_AT]
            if changed_at is None or not current["valid_from"] < changed_at <= refreshed_at:
                changed_at = refreshed_at
            _close(current, changed_at)
            versions.append(_version(spec, key, attributes, changed_at))
            changes.changed.append(key)
            changes.descriptions.append(f"{key}: {_difference(spec, current, attributes)}")
    for key in sorted(set(history) - set(current_rows)):
        current = _current(history[key])
        if current is None or (spec.missing is MissingPolicy.DELETE and current["state"] == DELETED):
            continue
        if spec.missing is MissingPolicy.KEEP:
            changes.missing.append(key)
            continue
        _close(current, refreshed_at)
        attributes = {name: current[name] for name in spec.tracked} | {"state": DELETED}
        history[key].append(_version(spec, key, attributes, refreshed_at))
        changes.deleted_as_missing.append(key)
        changes.descriptions.append(f"{key}: no longer listed, now deleted")
    rows = [version for key in sorted(history) for version in sorted(history[key], key=_start)]
    return pa.Table.from_pylist(rows, schema=spec.schema), changes


def is_history(spec: HistorySpec, schema: pa.Schema) -> bool:
    """True when a stored table has every column of the spec's history."""
    return all(name in schema.names for name in spec.schema.names)


def current_versions(history: pa.Table) -> pa.Table:
    """The rows valid now (`is_current`)."""
    return history.filter(history["is_current"])


def state_counts(history: pa.Table) -> dict[str, int]:
    """How many entities are currently in each state, for the materialization's metadata."""
    states = current_versions(history)["state"].to_pylist()
    return {state: states.count(state) for state in sorted(set(states))}


def _current(versions: list[dict]) -> dict | None:
    return next((version for version in versions if version["valid_to"] is None), None)


def _version(spec: HistorySpec, key: str, attributes: Mapping[str, object], valid_from: datetime) -> dict:
    return {spec.key: key, **attributes, "valid_from": valid_from, "valid_to": None, "is_current": True}


def _close(version: dict, at: datetime) -> None:
    version["valid_to"] = at
    version["is_current"] = False


def _start(version: dict) -> datetime:
    return version["valid_from"]


def _shown(spec: HistorySpec, name: str, value: object) -> str:
    return "(personal data)" if name in spec.personal and value is not None else repr(value)


def _summary(spec: HistorySpec, attributes: Mapping[str, object]) -> str:
    parts = [str(attributes["state"])] if "state" in attributes else []
    if "name" in attributes:
        parts.append(_shown(spec, "name", attributes["name"]))
    return ", ".join(parts)


def _difference(spec: HistorySpec, before: Mapping[str, object], after: Mapping[str, object]) -> str:
    return ", ".join(
        f"{name} changed" if name in spec.personal else f"{name} {before[name]!r} -> {after[name]!r}"
        for name in spec.tracked
        if before[name] != after[name]
    )
