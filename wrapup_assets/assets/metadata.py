"""What a person sees about a partition in the Dagster UI, without opening the lake."""

import dagster as dg
import pyarrow as pa

from wrapup_assets.records.code_counts import CODE_COUNTS_SCHEMA

OWNERS = ["team:contact-center-data"]
GROUP_NAME = "genesys_wrapup"


def column_schema(schema: pa.Schema) -> dg.TableSchema:
    """The Arrow schema as a Dagster column schema, with each field's description and nullability."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=field.name,
                type=str(field.type),
                description=(field.metadata or {}).get(b"description", b"").decode() or None,
                constraints=dg.TableColumnConstraints(nullable=field.nullable),
            )
            for field in schema
        ]
    )


def top_wrap_up_codes_markdown(counts: pa.Table, limit: int = 10) -> str:
    """A markdown table of the most frequent wrap-up codes, from `wrap_up_code_counts`."""
    if counts.num_rows == 0:
        return "_No rows in this partition._"
    top = counts.sort_by([("rows", "descending"), ("wrap_up_code_id", "ascending")]).slice(0, limit)
    lines = ["| wrap-up code | label | rows |", "|---|---|---:|"]
    for code, label, rows in zip(*(top[column].to_pylist() for column in CODE_COUNTS_SCHEMA.names), strict=True):
        lines.append(f"| {code or '_(no code)_'} | {label or ''} | {rows} |")
    return "\n".join(lines)


def table_preview_markdown(table: pa.Table, columns: list[str], limit: int = 10) -> str:
    """The first `limit` rows of `columns` as a markdown table, for a small preview in the UI."""
    if table.num_rows == 0:
        return "_No rows._"
    head = table.select(columns).slice(0, limit).to_pylist()
    lines = [f"| {' | '.join(columns)} |", f"|{'---|' * len(columns)}"]
    for row in head:
        lines.append("| " + " | ".join("" if row[name] is None else str(row[name]) for name in columns) + " |")
    if table.num_rows > limit:
        lines.append(f"\n_{limit} of {table.num_rows:,} rows._")
    return "\n".join(lines)
