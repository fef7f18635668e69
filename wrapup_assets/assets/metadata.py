"""What a person sees about a partition in the Dagster UI, without opening the lake."""

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc

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


def top_wrap_up_codes_markdown(table: pa.Table, limit: int = 10) -> str:
    """A markdown table of the most frequent wrap-up codes of a records table, with their labels."""
    if table.num_rows == 0:
        return "_No rows in this partition._"
    counts = (
        table.select(["wrap_up_code_id", "wrap_up_code_label"])
        .cast(pa.schema([("wrap_up_code_id", pa.string()), ("wrap_up_code_label", pa.string())]))
        .group_by(["wrap_up_code_id", "wrap_up_code_label"], use_threads=False)
        .aggregate([([], "count_all")])
        .sort_by([("count_all", "descending"), ("wrap_up_code_id", "ascending")])
        .slice(0, limit)
    )
    lines = ["| wrap-up code | label | rows |", "|---|---|---:|"]
    for code, label, rows in zip(
        counts["wrap_up_code_id"].to_pylist(),
        counts["wrap_up_code_label"].to_pylist(),
        counts["count_all"].to_pylist(),
        strict=True,
    ):
        lines.append(f"| {code or '_(none)_'} | {label or ''} | {rows} |")
    return "\n".join(lines)


def time_range_metadata(table: pa.Table) -> dict[str, str]:
    """First and last interaction timestamp of a records table, for a quick look at coverage."""
    if table.num_rows == 0:
        return {}
    bounds = pc.min_max(table["interaction_timestamp"])
    return {
        "first_interaction": bounds["min"].as_py().isoformat(),
        "last_interaction": bounds["max"].as_py().isoformat(),
    }
