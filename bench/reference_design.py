"""The seed's reference design, reimplemented faithfully to measure against: `json.loads` per page,
one dict per row, a Python list of the whole hour, `pa.Table.from_pylist`, then dedup and sort in
Arrow and one Parquet write. It applies the same record contract (same rows, same order), so its
output is compared with the project's row for row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq

from wrapup_assets.lake.parquet_files import MAX_ROW_GROUP_ROWS, parquet_write_options
from wrapup_assets.records.schema import RECORD_SCHEMA, SCHEMA_VERSION

SORT_ORDER = [("interaction_timestamp", "ascending"), ("interaction_id", "ascending"), ("session_id", "ascending")]


def _instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _session_row(conversation: dict, participant: dict, session: dict, labels: Mapping[str, str]) -> dict | None:
    segments = session.get("segments", [])
    interacts = [segment for segment in segments if segment.get("segmentType") == "interact"]
    if not interacts:
        return None
    wrapups = [segment for segment in segments if segment.get("segmentType") == "wrapup"]
    codes = [segment["wrapUpCode"] for segment in segments if segment.get("wrapUpCode") is not None]
    wrapup = wrapups[-1] if wrapups else None
    queue_id = interacts[-1].get("queueId")
    if wrapup is not None and wrapup.get("queueId") is not None:
        queue_id = wrapup["queueId"]
    metrics = session.get("metrics", [])
    handle = [metric["value"] for metric in metrics if metric.get("name") == "tHandle" and "value" in metric]
    acw = [metric["value"] for metric in metrics if metric.get("name") == "tAcw" and "value" in metric]
    code = codes[-1] if codes else None
    divisions = conversation.get("divisionIds", [])
    return {
        "interaction_timestamp": _instant(conversation["conversationStart"]),
        "interaction_id": conversation["conversationId"],
        "session_id": session["sessionId"],
        "participant_id": participant["participantId"],
        "agent_id": participant.get("userId"),
        "queue_id": queue_id,
        "media_type": session["mediaType"],
        "direction": session.get("direction"),
        "wrap_up_code_id": code,
        "wrap_up_code_label": None if code is None else labels.get(code),
        "disposition_code_id": session.get("dispositionName"),
        "wrap_up_end": _instant(wrapup.get("segmentEnd")) if wrapup else None,
        "conversation_end": _instant(conversation["conversationEnd"]),
        "handle_ms": int(sum(handle)) if handle else None,
        "acw_ms": int(sum(acw)) if acw else None,
        "division_id": divisions[0] if divisions else None,
        "schema_version": SCHEMA_VERSION,
    }


def reference_records(
    pages: Iterable[bytes], window_start: datetime, window_end: datetime, labels: Mapping[str, str]
) -> pa.Table:
    """The hour's records the reference way: every row a dict in one list, then one table."""
    rows: dict[tuple[str, str], dict] = {}  # later reads replace earlier ones, as the project does
    for page_json in pages:
        for conversation in json.loads(page_json).get("conversations", []):
            start = _instant(conversation["conversationStart"])
            if not window_start <= start < window_end or conversation.get("conversationEnd") is None:
                continue
            for participant in conversation.get("participants", []):
                if participant.get("purpose") != "agent":
                    continue
                for session in participant.get("sessions", []):
                    row = _session_row(conversation, participant, session, labels)
                    if row is not None:
                        rows[(row["interaction_id"], row["session_id"])] = row
    table = pa.Table.from_pylist(list(rows.values()), schema=RECORD_SCHEMA)
    return table.sort_by(SORT_ORDER)


def write_reference_parquet(table: pa.Table, path: str) -> None:
    """One Parquet file with the lake's options, as the reference wrote its hour."""
    pq.write_table(table, path, row_group_size=MAX_ROW_GROUP_ROWS, **parquet_write_options(table.schema))
