"""Multi-partition runs of `raw_conversation_pages`, as a backfill launches them (the range tags
of an asset backfill run), on a real instance against the emulator over HTTP: a day through one
details job, each hour its own partition from which `wrapup_records` builds the oracle's rows, for
a fraction of the query path's requests."""

import json
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pytest

from wrapup_assets.assets import ALL_ASSETS, raw_conversation_pages, wrapup_records
from wrapup_assets.emulator import EmulatorConfig, GenesysEmulator
from wrapup_assets.emulator.faults import Fault
from wrapup_assets.genesys.client import (
    DETAILS_JOBS_AVAILABILITY_PATH,
    DETAILS_JOBS_PATH,
    DETAILS_QUERY_PATH,
    WRAPUP_CODE_DIVISION_VIEWS_PATH,
)
from wrapup_assets.partitions import day_hour_keys, hour_start
from wrapup_assets_tests.backfill.request_log import endpoint_counts
from wrapup_assets_tests.contract.planting import read_records
from wrapup_assets_tests.runs import emulator_resources
from wrapup_assets_tests.test_pipeline import sorted_rows

DAY = "2024-05-01"
HOURS = day_hour_keys(DAY)
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def range_tags(first: str, last: str) -> dict[str, str]:
    """The tags an asset backfill puts on a run that covers several partitions."""
    return {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}


def materialize_range(resources, instance, use_details_jobs: bool = True, raise_on_error: bool = True):
    config = {"ops": {"raw_conversation_pages": {"config": {"use_details_jobs": use_details_jobs}}}}
    return dg.materialize(
        [raw_conversation_pages],
        tags=range_tags(HOURS[0], HOURS[-1]),
        resources=resources,
        instance=instance,
        run_config={**config, **QUIET},
        raise_on_error=raise_on_error,
    )


def rebuilt_records(key: str, resources, instance) -> pa.Table:
    """The hour's records as `wrapup_records` publishes them, rebuilt from its raw partition."""
    dg.materialize(
        ALL_ASSETS,
        selection=[wrapup_records],
        partition_key=key,
        resources=resources,
        instance=instance,
        run_config=QUIET,
    )
    return read_records(Path(resources["io_manager"].lake_url), key)


def stored_conversation_ids(lake_dir: Path, key: str) -> list[str]:
    """The conversation ids in an hour's published raw pages, in stored order (read as a user would)."""
    hour = lake_dir / f"raw_conversation_pages/year=2024/month=05/day={key[8:10]}/hour={key[11:13]}"
    with pa.input_stream(str(hour / "pages.jsonl.zst"), compression="zstd") as stream:
        lines = stream.read().splitlines()
    return [conversation["conversationId"] for line in lines for conversation in json.loads(line)["conversations"]]


def metadata_values(materialization) -> dict:
    return {key: getattr(value, "value", value) for key, value in materialization.metadata.items()}


def test_a_day_in_one_run_goes_through_one_details_job_and_every_hour_builds_the_oracles_records(
    emulator: GenesysEmulator, resources, instance, lake_dir: Path
) -> None:
    result = materialize_range(resources, instance)

    materializations = result.asset_materializations_for_node("raw_conversation_pages")
    assert [m.partition for m in materializations] == HOURS
    assert endpoint_counts(emulator.request_log) == {
        ("POST", "/oauth/token", 200): 1,
        ("GET", WRAPUP_CODE_DIVISION_VIEWS_PATH, 200): 1,
        ("GET", DETAILS_JOBS_AVAILABILITY_PATH, 200): 1,
        ("POST", DETAILS_JOBS_PATH, 202): 1,
        ("GET", f"{DETAILS_JOBS_PATH}/{{id}}", 200): 2,
        ("GET", f"{DETAILS_JOBS_PATH}/{{id}}/results", 200): 1,
        ("DELETE", f"{DETAILS_JOBS_PATH}/{{id}}", 204): 1,
    }
    figures = [metadata_values(m) for m in materializations]
    run_figures = {"fetch_path", "api_requests", "run_conversations_received", "details_job_id", "hours_in_run"}
    assert len({tuple(f[key] for key in sorted(run_figures)) for f in figures}) == 1  # the same on every hour
    received = figures[0]["run_conversations_received"]
    assert figures[0]["fetch_path"] == "details_jobs"
    assert figures[0]["api_requests"] == 8
    assert figures[0]["hours_in_run"] == 24
    assert figures[0]["requests_per_1000_conversations"] == round(8 * 1000 / received, 1)
    for key, hour_figures in zip(HOURS, figures, strict=True):
        assert hour_figures["path"] == str(
            lake_dir / f"raw_conversation_pages/year=2024/month=05/day=01/hour={key[-5:-3]}"
        )
        assert hour_figures["conversations_received"] == len(emulator.conversations_for_hour(hour_start(key)))
    # The job also returns the conversations of the evening before that ran past midnight: not stored.
    assert received > sum(f["conversations_received"] for f in figures)

    for key in HOURS:  # each hour holds exactly the ended conversations that started in it, in start order
        assert stored_conversation_ids(lake_dir, key) == [
            c["conversationId"] for c in emulator.conversations_for_hour(hour_start(key)) if "conversationEnd" in c
        ], key
    for key in (HOURS[0], HOURS[9], HOURS[-1]):  # and the records asset reads them as it reads query pages
        records = rebuilt_records(key, resources, instance)
        assert sorted_rows(records.to_pylist()) == sorted_rows(emulator.expected_records(hour_start(key))), key


def test_the_query_path_costs_many_more_requests_for_the_same_day(
    emulator: GenesysEmulator, resources, instance
) -> None:
    jobs = metadata_values(
        materialize_range(resources, instance).asset_materializations_for_node("raw_conversation_pages")[0]
    )
    emulator.clear_request_log()
    query = metadata_values(
        materialize_range(resources, instance, use_details_jobs=False).asset_materializations_for_node(
            "raw_conversation_pages"
        )[0]
    )

    assert query["fetch_path"] == "details_query"
    assert not [entry for entry in emulator.request_log if DETAILS_JOBS_PATH in entry.path]
    queries = sum(1 for entry in emulator.request_log if entry.path == DETAILS_QUERY_PATH)
    assert query["api_requests"] == queries + 2  # plus the token and the catalog
    assert queries >= 24
    assert jobs["api_requests"] * 3 < query["api_requests"]
    assert jobs["requests_per_1000_conversations"] * 2 < query["requests_per_1000_conversations"]


@pytest.fixture
def emulator_a_day_later(lake_dir: Path) -> Iterator[tuple[GenesysEmulator, dict]]:
    """An emulator whose clock is 2024-05-02T12:00Z, so jobs see data before 2024-05-01T10:00Z
    (26 hours earlier, floored): the day's first 10 hours, not the rest. With its resources."""
    config = EmulatorConfig(seed=11, conversations_per_hour=40, now=datetime(2024, 5, 2, 12, tzinfo=UTC))
    with GenesysEmulator(config) as emulator:
        yield emulator, emulator_resources(emulator, str(lake_dir))


@pytest.fixture
def spool_parent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the run's temporary spool goes, to see that nothing is left behind."""
    parent = tmp_path / "spool"
    parent.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(parent))
    return parent


def test_hours_newer_than_the_availability_date_come_from_the_query_in_the_same_run(
    emulator_a_day_later, instance
) -> None:
    emulator, resources = emulator_a_day_later
    result = materialize_range(resources, instance)

    figures = [metadata_values(m) for m in result.asset_materializations_for_node("raw_conversation_pages")]
    assert {f["fetch_path"] for f in figures} == {"details_jobs+details_query"}
    counts = endpoint_counts(emulator.request_log)
    assert counts[("POST", DETAILS_JOBS_PATH, 202)] == 1
    assert counts[("POST", DETAILS_QUERY_PATH, 200)] >= 14  # 10:00 .. 23:00, a page or more each
    for key in (HOURS[9], HOURS[10]):  # the last hour of the job, the first of the query
        records = rebuilt_records(key, resources, instance)
        assert sorted_rows(records.to_pylist()) == sorted_rows(emulator.expected_records(hour_start(key))), key


def test_a_query_hour_failing_after_the_job_hours_are_staged_publishes_no_hour(
    emulator_a_day_later, instance, lake_dir: Path, spool_parent: Path
) -> None:
    emulator, resources = emulator_a_day_later
    # 10:00 is paged from the query while the IO manager writes the hours, after 00:00 .. 09:00
    # came from the job and were staged; a 400 is final.
    emulator.faults.inject(Fault.status(400), path_contains=DETAILS_QUERY_PATH)

    result = materialize_range(resources, instance, raise_on_error=False)

    assert not result.success
    (failure,) = result.get_step_failure_events()
    assert failure.step_failure_data.error.message.startswith(
        f"dagster._core.definitions.events.Failure: Exporting partition {HOURS[10]} from Genesys failed: "
        f"POST {DETAILS_QUERY_PATH} failed after 1 attempt: HTTP 400"
    )
    assert not (lake_dir / "raw_conversation_pages").exists()
    assert list(spool_parent.iterdir()) == []


def test_a_failed_job_fails_the_run_naming_the_range_and_publishes_no_hour(
    emulator: GenesysEmulator, resources, instance, lake_dir: Path, spool_parent: Path
) -> None:
    # The job's first status poll says FAILED; the availability request before it takes (and
    # ignores, a job fault applies to status polls only) the first of the two injections.
    emulator.faults.inject(Fault.job("FAILED"), path_contains=f"{DETAILS_JOBS_PATH}/", times=2)

    result = materialize_range(resources, instance, raise_on_error=False)

    assert not result.success
    (failure,) = result.get_step_failure_events()
    message = failure.step_failure_data.error.message
    assert f"Exporting partition {HOURS[0]}..{HOURS[-1]} from Genesys failed: details job " in message
    assert " ended FAILED: The job failed to complete. Please resubmit it." in message
    assert not (lake_dir / "raw_conversation_pages").exists()
    assert list(spool_parent.iterdir()) == []


def test_a_single_hour_keeps_the_details_query(emulator: GenesysEmulator, resources, instance) -> None:
    result = dg.materialize([raw_conversation_pages], partition_key=HOURS[9], resources=resources, instance=instance)

    (materialization,) = result.asset_materializations_for_node("raw_conversation_pages")
    figures = metadata_values(materialization)
    assert figures["fetch_path"] == "details_query"
    assert figures["api_requests"] == 2 + sum(1 for e in emulator.request_log if e.path == DETAILS_QUERY_PATH)
    assert not [entry for entry in emulator.request_log if DETAILS_JOBS_PATH in entry.path]
