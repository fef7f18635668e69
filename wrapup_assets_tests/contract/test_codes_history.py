"""wrapup_codes as a type-2 slowly changing dimension: the merge as a pure function on hand-built
catalogs, the asset against the emulator, and the README's as-of labelling query in DuckDB."""

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow.parquet as pq

from wrapup_assets.assets import ALL_ASSETS, wrapup_codes, wrapup_daily
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.parquet_files import write_parquet_parts
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.lake.publish import stage_partition
from wrapup_assets.records.codes_history import (
    BEGINNING_OF_TIME,
    CODE_HISTORY_SCHEMA,
    CodeVersion,
    catalog_codes,
    history_table,
    merge_code_history,
)
from wrapup_assets_tests.contract.conftest import DAY, ExportedDay

CREATED = datetime(2023, 3, 14, 8, 30, tzinfo=UTC)
FIRST_REFRESH = datetime(2024, 5, 1, 6, tzinfo=UTC)
SECOND_REFRESH = datetime(2024, 5, 2, 6, tzinfo=UTC)
DIVISION = {"id": "d1", "name": "Home"}


def entity(code_id: str, name: str, modified: str | None = None, **fields: object) -> dict:
    return {
        "id": code_id,
        "name": name,
        "division": DIVISION,
        "description": name,
        "dateCreated": "2023-03-14T08:30:00.000Z",
        **({"dateModified": modified} if modified else {}),
        **fields,
    }


def version(code_id: str, name: str, state: str, valid_from: datetime, valid_to: datetime | None = None) -> CodeVersion:
    return CodeVersion(code_id, name, "d1", "Home", name, state, valid_from, valid_to)


def test_first_refresh_opens_one_version_per_code_valid_since_its_creation():
    catalog = catalog_codes([entity("a", "Sale")], [entity("z", "Old promo")])

    versions, changes = merge_code_history([], catalog, FIRST_REFRESH)

    assert versions == [version("a", "Sale", "active", CREATED), version("z", "Old promo", "deleted", CREATED)]
    assert (changes.new_codes, changes.changed_codes) == (["a", "z"], [])


def test_an_unchanged_catalog_leaves_the_history_as_it_was():
    catalog = catalog_codes([entity("a", "Sale")], [])
    first, _ = merge_code_history([], catalog, FIRST_REFRESH)

    second, changes = merge_code_history(first, catalog, SECOND_REFRESH)

    assert second == first
    assert changes.descriptions == []


def test_a_rename_closes_the_old_version_and_opens_a_new_one_at_the_modification_time():
    first, _ = merge_code_history([], catalog_codes([entity("a", "Sale")], []), FIRST_REFRESH)
    renamed = catalog_codes([entity("a", "New sale", modified="2024-05-01T12:00:00.000Z")], [])

    versions, changes = merge_code_history(first, renamed, SECOND_REFRESH)

    noon = datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert versions == [version("a", "Sale", "active", CREATED, noon), version("a", "New sale", "active", noon)]
    assert [v.is_current for v in versions] == [False, True]
    assert changes.descriptions == ["a: name 'Sale' -> 'New sale', description 'Sale' -> 'New sale'"]


def test_a_deletion_closes_the_active_version_and_opens_a_deleted_one():
    first, _ = merge_code_history([], catalog_codes([entity("a", "Sale")], []), FIRST_REFRESH)

    versions, changes = merge_code_history(first, catalog_codes([], [entity("a", "Sale")]), SECOND_REFRESH)

    assert versions == [
        version("a", "Sale", "active", CREATED, SECOND_REFRESH),  # no dateModified: dated by the refresh
        version("a", "Sale", "deleted", SECOND_REFRESH),
    ]
    assert changes.changed_codes == ["a"]


def test_a_modification_time_outside_the_open_version_is_not_trusted():
    first, _ = merge_code_history([], catalog_codes([entity("a", "Sale")], []), FIRST_REFRESH)
    before_creation = catalog_codes([entity("a", "New sale", modified="2020-01-01T00:00:00.000Z")], [])

    versions, _ = merge_code_history(first, before_creation, SECOND_REFRESH)

    assert [(v.name, v.valid_from, v.valid_to) for v in versions] == [
        ("Sale", CREATED, SECOND_REFRESH),
        ("New sale", SECOND_REFRESH, None),
    ]


def test_a_code_listed_in_both_states_is_active_and_one_without_creation_date_is_valid_since_ever():
    catalog = catalog_codes([{"id": "a", "name": "Sale"}], [{"id": "a", "name": "Sale"}])

    versions, _ = merge_code_history([], catalog, FIRST_REFRESH)

    assert [(v.state, v.valid_from) for v in versions] == [("active", BEGINNING_OF_TIME)]


def test_a_code_missing_from_the_catalog_keeps_its_version_and_is_reported():
    first, _ = merge_code_history([], catalog_codes([entity("a", "Sale")], []), FIRST_REFRESH)

    versions, changes = merge_code_history(first, {}, SECOND_REFRESH)

    assert versions == first
    assert changes.missing_from_catalog == ["a"]


def publish_codes(lake: Path, versions: list[CodeVersion]) -> None:
    location = LakeLocation.from_url(str(lake))
    table = history_table(versions)
    with stage_partition(location, LakePartition.unpartitioned("wrapup_codes"), "parquet") as staged:
        write_parquet_parts(table, table.schema, staged)
        staged.publish()


def codes_file(lake: Path) -> Path:
    return lake / "wrapup_codes" / "part-00000.parquet"


def test_the_asset_against_the_emulator_is_stable_when_nothing_changed(
    exported_day: ExportedDay, tmp_path: Path, instance: dg.DagsterInstance
):
    lake = tmp_path / "lake"
    resources = exported_day.resources(lake)
    first = dg.materialize(ALL_ASSETS, selection=[wrapup_codes], resources=resources, instance=instance)
    first_bytes = codes_file(lake).read_bytes()
    second = dg.materialize(ALL_ASSETS, selection=[wrapup_codes], resources=resources, instance=instance)

    assert codes_file(lake).read_bytes() == first_bytes
    history = pq.read_table(codes_file(lake))
    assert history.schema.equals(CODE_HISTORY_SCHEMA, check_metadata=False)
    labels = exported_day.emulator.wrapup_code_labels()
    assert dict(zip(history["wrap_up_code_id"].to_pylist(), history["name"].to_pylist(), strict=True)) == labels
    assert history["is_current"].to_pylist() == [True] * len(labels)
    assert history.column("state").to_pylist().count("deleted") == 3
    first_metadata = first.asset_materializations_for_node("wrapup_codes")[0].metadata
    second_metadata = second.asset_materializations_for_node("wrapup_codes")[0].metadata
    assert (first_metadata["new_codes"].value, first_metadata["changed_codes"].value) == (len(labels), 0)
    assert (second_metadata["new_codes"].value, second_metadata["changed_codes"].value) == (0, 0)


def test_the_asset_closes_versions_that_the_catalog_renamed_or_deleted_since_the_stored_history(
    exported_day: ExportedDay, tmp_path: Path, instance: dg.DagsterInstance
):
    """The emulator's catalog cannot change at run time, so the previous history is planted instead:
    one code under an older name, one deleted code still active."""
    lake = tmp_path / "lake"
    dg.materialize(ALL_ASSETS, selection=[wrapup_codes], resources=exported_day.resources(lake), instance=instance)
    planted = []
    for row in pq.read_table(codes_file(lake)).to_pylist():
        fields = {name: value for name, value in row.items() if name != "is_current"}
        if row["name"] == "Sale":
            sale = fields = fields | {"name": "Sale (old)", "description": "Sale (old)"}
        if row["name"] == "Survey opt-out":
            survey = fields = fields | {"state": "active", "description": "Survey opt-out"}
        planted.append(CodeVersion(**fields))
    publish_codes(lake, planted)

    result = dg.materialize(
        ALL_ASSETS, selection=[wrapup_codes], resources=exported_day.resources(lake), instance=instance
    )

    history = pq.read_table(codes_file(lake)).to_pylist()
    sale_versions = [
        (r["name"], r["valid_from"], r["valid_to"], r["is_current"])
        for r in history
        if r["wrap_up_code_id"] == sale["wrap_up_code_id"]
    ]
    renamed_at = datetime(2024, 1, 9, 15, 45, 12, tzinfo=UTC)  # the emulator's dateModified of active codes
    assert sale_versions == [("Sale (old)", CREATED, renamed_at, False), ("Sale", renamed_at, None, True)]
    survey_versions = [
        (r["state"], r["valid_from"], r["valid_to"])
        for r in history
        if r["wrap_up_code_id"] == survey["wrap_up_code_id"]
    ]
    deleted_at = datetime(2024, 4, 30, 16, 20, tzinfo=UTC)
    assert survey_versions == [("active", CREATED, deleted_at), ("deleted", deleted_at, None)]
    metadata = result.asset_materializations_for_node("wrapup_codes")[0].metadata
    assert (metadata["new_codes"].value, metadata["changed_codes"].value) == (0, 2)


README_AS_OF_QUERY = """
SELECT d.interaction_id, d.session_id, d.wrap_up_code_id, c.name AS wrap_up_code_name
FROM read_parquet('{lake}/wrapup_daily/**/*.parquet', hive_partitioning = true) AS d
LEFT JOIN read_parquet('{lake}/wrapup_codes/*.parquet') AS c
  ON c.wrap_up_code_id = d.wrap_up_code_id
 AND c.valid_from <= d.interaction_timestamp
 AND d.interaction_timestamp < coalesce(c.valid_to, 'infinity'::TIMESTAMPTZ)
"""


def test_the_readme_query_labels_each_interaction_with_the_name_valid_at_its_time(
    exported_day: ExportedDay, copied_lake: Path, instance: dg.DagsterInstance
):
    resources = exported_day.resources(copied_lake)
    assert dg.materialize(
        ALL_ASSETS, selection=[wrapup_daily], partition_key=DAY, resources=resources, instance=instance
    ).success
    labels = exported_day.emulator.wrapup_code_labels()
    renamed_code, renamed_at = sorted(labels)[0], datetime(2024, 5, 1, 12, tzinfo=UTC)
    versions = [version(code, name, "active", CREATED) for code, name in labels.items() if code != renamed_code]
    versions += [
        version(renamed_code, "Before noon", "active", CREATED, renamed_at),
        version(renamed_code, "After noon", "active", renamed_at),
    ]
    publish_codes(copied_lake, versions)

    labelled = duckdb.sql(README_AS_OF_QUERY.format(lake=copied_lake)).fetchall()

    def expected_name(row: dict) -> str | None:
        code = row["wrap_up_code_id"]
        if code == renamed_code:
            return "Before noon" if row["interaction_timestamp"] < renamed_at else "After noon"
        return labels.get(code)

    rows = exported_day.expected_rows()
    assert {renamed_code} <= {row["wrap_up_code_id"] for row in rows}
    assert sorted(labelled, key=lambda r: (r[0], r[1])) == [
        (row["interaction_id"], row["session_id"], row["wrap_up_code_id"], expected_name(row)) for row in rows
    ]
