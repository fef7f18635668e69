"""wrapup_summary_daily against an independent aggregation of the same day, its checks, and where
their results attach."""

import math
from datetime import date, datetime

import duckdb
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from wrapup_assets.records.codes_history import CODE_HISTORY_SCHEMA
from wrapup_assets.records.directory import DIVISION_HISTORY, QUEUE_HISTORY
from wrapup_assets.records.summary import (
    SUMMARY_SCHEMA,
    Histories,
    check_keys_unique,
    check_sessions_match,
    check_summary_schema,
    summarize_day,
)
from wrapup_assets_tests.analytics.conftest import DAY_START, SummarizedDay

GROUP = ("wrap_up_code_id", "queue_id", "media_type", "direction")


def summary_rows(lake) -> list[dict]:
    return pq.read_table(lake / "wrapup_summary_daily/year=2024/month=05/day=01/part-00000.parquet").to_pylist()


def nearest_rank(values: list[int], p: float) -> int | None:
    ordered = sorted(value for value in values if value is not None)
    return ordered[math.ceil(p * len(ordered)) - 1] if ordered else None


def as_of(history: list[dict], key: str, value: str | None, at: datetime) -> dict | None:
    matches = [
        row
        for row in history
        if row[key] == value and row["valid_from"] <= at and (row["valid_to"] is None or at < row["valid_to"])
    ]
    assert len(matches) <= 1
    return matches[0] if matches else None


def test_the_mart_equals_an_independent_aggregation_of_the_day(summarized_day: SummarizedDay):
    lake = summarized_day.lake
    daily = duckdb.sql(f"SELECT * FROM read_parquet('{lake}/wrapup_daily/**/*.parquet')").to_arrow_table()
    totals = duckdb.sql(
        f"""SELECT wrap_up_code_id::VARCHAR, queue_id::VARCHAR, media_type::VARCHAR, direction::VARCHAR,
                   count(*), count(DISTINCT interaction_id), sum(handle_ms), avg(handle_ms), sum(acw_ms), avg(acw_ms)
            FROM read_parquet('{lake}/wrapup_daily/**/*.parquet') GROUP BY ALL"""
    ).fetchall()
    values: dict[tuple, dict[str, list]] = {}
    for row in daily.to_pylist():
        group = values.setdefault(tuple(row[name] for name in GROUP), {"handle_ms": [], "acw_ms": []})
        group["handle_ms"].append(row["handle_ms"])
        group["acw_ms"].append(row["acw_ms"])
    codes = pq.read_table(lake / "wrapup_codes").to_pylist()
    queues = pq.read_table(lake / "genesys_queues").to_pylist()
    divisions = pq.read_table(lake / "genesys_divisions").to_pylist()

    mart = {tuple(row[name] for name in GROUP): row for row in summary_rows(lake)}

    assert len(mart) == len(totals) > 50
    assert any(group[0] is None for group in mart)  # sessions without a code: a group of their own
    for code, queue, media, direction, sessions, conversations, handle_sum, handle_avg, acw_sum, acw_avg in totals:
        row = mart[(code, queue, media, direction)]
        assert (row["utc_date"], row["sessions"], row["conversations"]) == (date(2024, 5, 1), sessions, conversations)
        assert (row["handle_ms_sum"], row["acw_ms_sum"]) == (handle_sum, acw_sum)
        assert (row["handle_ms_avg"], row["acw_ms_avg"]) == (handle_avg, acw_avg)
        group = values[(code, queue, media, direction)]
        for measure in ("handle_ms", "acw_ms"):
            for p, column in ((0.5, f"{measure}_p50"), (0.9, f"{measure}_p90")):
                assert row[column] == nearest_rank(group[measure], p)
                assert row[column] is None or row[column] in group[measure]
        code_version = as_of(codes, "wrap_up_code_id", code, DAY_START)
        queue_version = as_of(queues, "queue_id", queue, DAY_START)
        division_id = queue_version["division_id"] if queue_version else None
        division_version = as_of(divisions, "division_id", division_id, DAY_START)
        assert row["wrap_up_code_label"] == (code_version["name"] if code_version else None)
        assert row["queue_name"] == (queue_version["name"] if queue_version else None)
        assert row["division_id"] == division_id
        assert row["division_name"] == (division_version["name"] if division_version else None)
    assert {row["queue_name"] for row in mart.values()} >= {"Retention", "Billing"}


def test_check_results_attach_to_the_new_materialization(summarized_day: SummarizedDay):
    evaluations = summarized_day.summary_result.get_asset_check_evaluations()
    materialization = summarized_day.summary_result.asset_materializations_for_node("wrapup_summary_daily")[0]

    assert {(e.check_name, e.passed, e.partition) for e in evaluations} == {
        ("key_unique", True, "2024-05-01"),
        ("sessions_equal_daily_rows", True, "2024-05-01"),
        ("summary_schema", True, "2024-05-01"),
    }
    assert all(e.target_materialization_data is not None for e in evaluations)
    assert materialization.metadata["sessions"].value == sum(
        row["sessions"] for row in summary_rows(summarized_day.lake)
    )


def summary_table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=SUMMARY_SCHEMA)


@pytest.fixture
def mart(summarized_day: SummarizedDay) -> list[dict]:
    return summary_rows(summarized_day.lake)


def test_a_repeated_key_fails_the_key_check_naming_it(mart: list[dict]):
    outcome = check_keys_unique(summary_table([*mart, mart[0]]))

    assert not outcome.passed
    assert outcome.metadata["repeated_keys"] == 1
    assert str(mart[0]["queue_id"]) in outcome.metadata["first_repeated_keys"]


def test_sessions_that_do_not_add_up_to_the_days_rows_fail(mart: list[dict]):
    total = sum(row["sessions"] for row in mart)

    assert check_sessions_match(summary_table(mart), total).passed
    outcome = check_sessions_match(summary_table(mart[1:]), total)
    assert not outcome.passed
    assert (
        outcome.description
        == f"sum(sessions) = {total - mart[0]['sessions']}, but the day's wrapup_daily has {total} rows"
    )


def test_a_row_of_another_day_or_a_null_count_fails_the_schema_check(mart: list[dict]):
    assert check_summary_schema(summary_table(mart), date(2024, 5, 1)).passed
    other_day = summary_table([{**mart[0], "utc_date": date(2024, 5, 2)}, *mart[1:]])
    assert check_summary_schema(other_day, date(2024, 5, 1)).description == "1 rows of another day than 2024-05-01"
    loose = pa.Table.from_pylist(
        mart, schema=SUMMARY_SCHEMA.set(5, SUMMARY_SCHEMA.field("sessions").with_nullable(True))
    )
    assert not check_summary_schema(loose, date(2024, 5, 1)).passed


def test_duckdb_quantile_disc_is_the_nearest_rank():
    """The mart relies on it (records/summary.py); a DuckDB that interpolated would fail here."""
    for values in ([1, 2, 3, 4], [5], [1, 2], list(range(1, 11)), [7, 1, 9, 3, 3, 8, 2]):
        ((p50, p90),) = duckdb.sql(
            f"SELECT quantile_disc(x, 0.5), quantile_disc(x, 0.9) FROM unnest({values}) t(x)"
        ).fetchall()
        assert (p50, p90) == (nearest_rank(values, 0.5), nearest_rank(values, 0.9))


def test_null_codes_and_queues_are_groups_of_their_own_and_unnamed(tmp_path):
    rows = pa.table(
        {
            "interaction_id": ["c1", "c1", "c2", "c3", "c4"],
            "wrap_up_code_id": [None, None, "x", None, "x"],
            "queue_id": [None, None, None, "q", None],
            "media_type": ["voice"] * 5,
            "direction": ["inbound"] * 5,
            "handle_ms": [10, None, 30, 40, 50],
            "acw_ms": [None, None, None, None, 5],
        }
    )
    empty = Histories(
        CODE_HISTORY_SCHEMA.empty_table(), QUEUE_HISTORY.empty_history(), DIVISION_HISTORY.empty_history()
    )

    path = tmp_path / "day.parquet"
    pq.write_table(rows, path)

    local = summarize_day([str(path)], empty, DAY_START).to_pylist()
    through_arrow = summarize_day([str(path)], empty, DAY_START, pafs.SubTreeFileSystem("/", pafs.LocalFileSystem()))
    summary = local
    assert through_arrow.to_pylist() == local

    assert [(r["wrap_up_code_id"], r["queue_id"], r["sessions"], r["conversations"]) for r in summary] == [
        (None, None, 2, 1),
        (None, "q", 1, 1),
        ("x", None, 2, 2),
    ]
    assert [(r["handle_ms_sum"], r["handle_ms_avg"], r["handle_ms_p90"], r["acw_ms_avg"]) for r in summary] == [
        (10, 10.0, 10, None),
        (40, 40.0, 40, None),
        (80, 40.0, 50, 5.0),
    ]
    assert {r["queue_name"] for r in summary} == {None}
