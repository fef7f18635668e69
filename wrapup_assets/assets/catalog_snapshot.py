"""The wrap-up code catalog as it stood when an hour was exported, kept beside the raw pages.

The record contract labels each code with its catalog name *at export time*. Storing the catalog
snapshot in the raw partition makes the records of an hour a pure function of that partition:
a replay long after the export, or after a code was renamed, gives the same labels.
"""

from collections.abc import Sequence
from datetime import datetime

import msgspec

CATALOG_SNAPSHOT_NAME = "wrapup_codes.json"


class CatalogSnapshot(msgspec.Struct, forbid_unknown_fields=False):
    """The sidecar file: when the catalog was read, and its entities as Genesys sent them."""

    fetched_at: datetime
    entities: list[dict]


def encode_catalog_snapshot(entities: Sequence[dict], fetched_at: datetime) -> bytes:
    """The sidecar's bytes for a list of wrap-up code entities."""
    return msgspec.json.encode(CatalogSnapshot(fetched_at=fetched_at, entities=list(entities)))


def code_labels_from_snapshot(snapshot_json: bytes) -> dict[str, str]:
    """Code id -> name from a sidecar file; entities without an id or a name are skipped."""
    snapshot = msgspec.json.decode(snapshot_json, type=CatalogSnapshot)
    return {
        entity["id"]: entity["name"]
        for entity in snapshot.entities
        if isinstance(entity.get("id"), str) and isinstance(entity.get("name"), str)
    }
