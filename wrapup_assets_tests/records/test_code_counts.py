"""Rows per wrap-up code: the partition summary shown in the UI."""

import pyarrow as pa

from wrapup_assets.records.code_counts import CODE_COUNTS_SCHEMA, merge_code_counts, wrap_up_code_counts

CODES = pa.table(
    {
        "wrap_up_code_id": pa.array(["a", "b", "a", None], pa.dictionary(pa.int32(), pa.string())),
        "wrap_up_code_label": pa.array(["Sale", None, "Sale", None], pa.dictionary(pa.int32(), pa.string())),
    }
)


def sorted_counts(table: pa.Table) -> list[dict]:
    return sorted(table.to_pylist(), key=lambda row: (row["wrap_up_code_id"] or "",))


def test_counts_rows_per_code_and_label_including_no_code():
    counts = wrap_up_code_counts(CODES)
    assert counts.schema.equals(CODE_COUNTS_SCHEMA)
    assert sorted_counts(counts) == [
        {"wrap_up_code_id": None, "wrap_up_code_label": None, "rows": 1},
        {"wrap_up_code_id": "a", "wrap_up_code_label": "Sale", "rows": 2},
        {"wrap_up_code_id": "b", "wrap_up_code_label": None, "rows": 1},
    ]


def test_merged_counts_add_up_and_nothing_gives_an_empty_table():
    merged = merge_code_counts([wrap_up_code_counts(CODES), wrap_up_code_counts(CODES.slice(0, 1))])
    assert sorted_counts(merged)[1] == {"wrap_up_code_id": "a", "wrap_up_code_label": "Sale", "rows": 3}
    assert merge_code_counts([]).schema.equals(CODE_COUNTS_SCHEMA) and merge_code_counts([]).num_rows == 0
