"""Rows per wrap-up code (with its label): the partition summary people look at first."""

import pyarrow as pa

CODE_COLUMNS = ["wrap_up_code_id", "wrap_up_code_label"]
CODE_SCHEMA = pa.schema([(column, pa.string()) for column in CODE_COLUMNS])
CODE_COUNTS_SCHEMA = CODE_SCHEMA.append(pa.field("rows", pa.int64()))


def wrap_up_code_counts(table: pa.Table) -> pa.Table:
    """Rows per (wrap_up_code_id, wrap_up_code_label) of a records table or batch, as plain strings."""
    return (
        table.select(CODE_COLUMNS)
        .cast(CODE_SCHEMA)
        .group_by(CODE_COLUMNS, use_threads=False)
        .aggregate([([], "count_all")])
        .rename_columns(CODE_COUNTS_SCHEMA.names)
    )


def merge_code_counts(parts: list[pa.Table]) -> pa.Table:
    """Several `wrap_up_code_counts` results (e.g. per batch) added up."""
    if not parts:
        return CODE_COUNTS_SCHEMA.empty_table()
    return (
        pa.concat_tables(parts)
        .group_by(CODE_COLUMNS, use_threads=False)
        .aggregate([("rows", "sum")])
        .rename_columns(CODE_COUNTS_SCHEMA.names)
    )
