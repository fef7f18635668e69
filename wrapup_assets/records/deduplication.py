"""Which rows survive when a conversation was read more than once while its hour was paged.

Pages shift while they are read, so one conversation can be read twice; the later read is fresher
and replaces the earlier one as a whole (a session that disappeared from it goes too). Within one
read, the last row per key wins. Runs in Arrow, on rows tagged with their conversation's read ordinal.
"""

import pyarrow as pa
import pyarrow.compute as pc

from wrapup_assets.records.schema import RECORD_KEY


def rows_to_keep(table: pa.Table, conversation_ordinals: pa.ChunkedArray) -> pa.Array | None:
    """Indices of the rows to keep, or None when no row is superseded."""
    # The usual hour: every conversation read once and session IDs (UUIDs) unique; two hash passes
    # prove it, far cheaper than grouping on the two-column key.
    each_conversation_read_once = (
        pc.count_distinct(table["interaction_id"]).as_py() == pc.count_distinct(conversation_ordinals).as_py()
    )
    if each_conversation_read_once and pc.count_distinct(table["session_id"]).as_py() == table.num_rows:
        return None
    keys = pa.table(
        {
            "interaction_id": table["interaction_id"].combine_chunks(),
            "session_id": table["session_id"].combine_chunks(),
            "ordinal": conversation_ordinals.combine_chunks(),
            "row": pa.arange(0, table.num_rows),
        }
    )
    latest_read = keys.group_by("interaction_id").aggregate([("ordinal", "max")])
    position = pc.index_in(keys["interaction_id"], value_set=latest_read["interaction_id"])
    from_latest_read = pc.equal(keys["ordinal"], pc.take(latest_read["ordinal_max"], position))
    current = keys.filter(from_latest_read)
    return current.group_by(list(RECORD_KEY)).aggregate([("row", "max")])["row_max"]
