"""`wrapup-assets sql`: DuckDB with one view per lake dataset, plus the as-of joined view.

Every dataset is read through pyarrow's filesystem for the lake (`LakeLocation`: a local directory,
or S3 configured from the standard AWS_* variables) and handed to DuckDB as an Arrow dataset, so the
same views work on both without DuckDB's `httpfs` extension (which DuckDB downloads on first use:
impossible offline, and the PyPI builds of it target DuckDB 1.4, not 2.0). Hive directories become
integer `year`, `month`, `day` (and `hour`) columns. Views are plain globs over the dataset
directories: while a partition is being replaced on S3 a query can see both versions for seconds
(README, "How a partition is published").
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import pyarrow as pa
import pyarrow.dataset as ds

from wrapup_assets.lake.location import LakeLocation

# view name -> (dataset directory, hive-partitioned)
DATASET_VIEWS: dict[str, tuple[str, bool]] = {
    "records": ("wrapup_records", True),
    "daily": ("wrapup_daily", True),
    "summary": ("wrapup_summary_daily", True),
    "codes": ("wrapup_codes", False),
    "queues": ("genesys_queues", False),
    "users": ("genesys_users", False),
    "divisions": ("genesys_divisions", False),
    "queue_codes": ("queue_wrapup_codes", True),
}
HIVE_SCHEMA = pa.schema([("year", pa.int32()), ("month", pa.int32()), ("day", pa.int32()), ("hour", pa.int32())])

_AS_OF = "{alias}.valid_from <= {at} AND ({at} < {alias}.valid_to OR {alias}.valid_to IS NULL)"
# Each session of `daily` with the names valid at its interaction_timestamp.
DAILY_NAMED_VIEW = f"""
CREATE VIEW daily_named AS
SELECT d.*,
       c.name AS code_name,
       q.name AS queue_name,
       q.division_id AS queue_division_id,
       v.name AS queue_division_name,
       u.department AS agent_department,
       u.title AS agent_title,
       u.state AS agent_state
FROM daily AS d
LEFT JOIN codes AS c ON c.wrap_up_code_id = d.wrap_up_code_id::VARCHAR
     AND {_AS_OF.format(alias="c", at="d.interaction_timestamp")}
LEFT JOIN queues AS q ON q.queue_id = d.queue_id::VARCHAR
     AND {_AS_OF.format(alias="q", at="d.interaction_timestamp")}
LEFT JOIN divisions AS v ON v.division_id = q.division_id::VARCHAR
     AND {_AS_OF.format(alias="v", at="d.interaction_timestamp")}
LEFT JOIN users AS u ON u.user_id = d.agent_id::VARCHAR
     AND {_AS_OF.format(alias="u", at="d.interaction_timestamp")}
"""
NAMED_VIEW_NEEDS = ("daily", "codes", "queues", "divisions", "users")


def _dataset(location: LakeLocation, directory: str, hive: bool) -> ds.Dataset | None:
    path = location.join(directory)
    if not location.exists(path):
        return None
    partitioning = ds.partitioning(HIVE_SCHEMA, flavor="hive") if hive else None
    dataset = ds.dataset(path, filesystem=location.filesystem, format="parquet", partitioning=partitioning)
    return dataset if dataset.files else None


def open_lake(lake_url: str):
    """A DuckDB connection with a view per published dataset of the lake (and `daily_named` when
    its five inputs exist); returns the connection and the names of the views it made."""
    import duckdb

    location = LakeLocation.from_url(lake_url)
    connection = duckdb.connect()
    views = []
    for view, (directory, hive) in DATASET_VIEWS.items():
        dataset = _dataset(location, directory, hive)
        if dataset is not None:
            connection.register(view, dataset)
            views.append(view)
    if all(view in views for view in NAMED_VIEW_NEEDS):
        connection.execute(DAILY_NAMED_VIEW)
        views.append("daily_named")
    return connection, views


def run_statement(connection, statement: str) -> None:
    """Run one SQL statement and print its rows (DuckDB's box rendering) or 'OK'."""
    relation = connection.sql(statement)
    if relation is None:
        print("OK", flush=True)
        return
    relation.show(max_rows=10_000, max_width=200)
    sys.stdout.flush()


def shell(connection, views: list[str], read_line: Callable[[str], str] = input) -> None:
    """A small interactive loop: statements end with ';', `.tables` lists the views, `.quit` or EOF ends."""
    print(f"Views: {', '.join(views)}. End statements with ';'; .tables lists the views, .quit leaves.")
    pending: list[str] = []
    while True:
        try:
            line = read_line("wrapup> " if not pending else "   ...> ")
        except EOFError:
            return
        if not pending and line.strip() in (".quit", ".exit"):
            return
        if not pending and line.strip() == ".tables":
            print("\n".join(views))
            continue
        pending.append(line)
        if line.rstrip().endswith(";"):
            statement, pending = "\n".join(pending), []
            try:
                run_statement(connection, statement)
            except Exception as error:  # a mistyped query must not end the session
                print(f"Error: {error}")
