"""The `genesys_api` pool holds across runs: two runs in two processes on one instance with a pool
limit of 1 never call Genesys at the same time.

Processes, not threads: several `dg.materialize` calls in threads of one process deadlock on
Dagster's logging lock. Each details query is slowed by the emulator so that overlapping steps
would be visible.
"""

import multiprocessing
import time
from datetime import datetime
from pathlib import Path

import dagster as dg
from dagster._core.instance.ref import InstanceRef  # what instance.get_ref() returns; not exported

from wrapup_assets.assets import raw_conversation_pages, wrapup_records
from wrapup_assets.emulator import GenesysEmulator
from wrapup_assets.emulator.faults import Fault
from wrapup_assets.genesys.resource import GenesysCloudResource
from wrapup_assets.lake.io_manager import LakeIOManager
from wrapup_assets_tests.conftest import TEST_CONFIG

HOURS = ["2024-05-01-09:00", "2024-05-01-10:00"]
QUERY_DELAY_SECONDS = 1.5


def materialize_hour(instance_ref: InstanceRef, hour: str, api_url: str, login_url: str, lake: str) -> bool:
    """One hourly run in this process, recorded in the shared instance (runs in the child process)."""
    genesys = GenesysCloudResource(
        api_url=api_url, login_url=login_url, client_id=TEST_CONFIG.client_id, client_secret=TEST_CONFIG.client_secret
    )
    with dg.DagsterInstance.from_ref(instance_ref) as instance:
        result = dg.materialize(
            [raw_conversation_pages, wrapup_records],
            partition_key=hour,
            instance=instance,
            resources={"genesys": genesys, "io_manager": LakeIOManager(lake_url=lake)},
            raise_on_error=False,
        )
    return result.success


def pool_step_window(instance: dg.DagsterInstance, run_id: str) -> tuple[datetime, datetime]:
    """When the run's pool step started and finished."""
    times = {
        record.event_log_entry.dagster_event.event_type: datetime.fromtimestamp(record.event_log_entry.timestamp)
        for event_type in (dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS)
        for record in instance.get_records_for_run(run_id, of_type=event_type).records
        if record.event_log_entry.step_key == "raw_conversation_pages"
    }
    return times[dg.DagsterEventType.STEP_START], times[dg.DagsterEventType.STEP_SUCCESS]


def wait_for_pool_step_start(instance: dg.DagsterInstance, timeout_seconds: float = 120) -> None:
    """Until a run's pool step has started, i.e. holds the pool's slot."""
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        for run in instance.get_runs():
            records = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.STEP_START).records
            if any(record.event_log_entry.step_key == "raw_conversation_pages" for record in records):
                return
        time.sleep(0.05)
    raise TimeoutError(f"no run started its raw_conversation_pages step within {timeout_seconds} s")


def test_two_concurrent_runs_take_turns_on_the_genesys_api_pool(emulator: GenesysEmulator, tmp_path: Path):
    emulator.faults.inject(Fault.delay(QUERY_DELAY_SECONDS), path_contains="details/query", times=len(HOURS))
    overrides = {"concurrency": {"pools": {"default_limit": 1}}}
    with dg.instance_for_test(overrides=overrides) as instance:
        # Create the pool's slots before the race: two processes claiming a pool that does not
        # exist yet can both initialise it from default_limit on sqlite and both get a slot.
        instance.event_log_storage.set_concurrency_slots("genesys_api", 1)
        arguments = [(instance.get_ref(), hour, emulator.api_url, emulator.login_url, str(tmp_path)) for hour in HOURS]
        with multiprocessing.get_context("spawn").Pool(len(HOURS)) as processes:
            # The second run starts once the first holds the slot: on sqlite, two processes claiming
            # the last free slot in the same millisecond can both get it (the claim is not atomic
            # across processes; production instances use PostgreSQL, see deploy/), and that race,
            # not the pool, is what a simultaneous start would test.
            first = processes.apply_async(materialize_hour, arguments[0])
            wait_for_pool_step_start(instance)
            second = processes.apply_async(materialize_hour, arguments[1])
            assert [first.get(timeout=240), second.get(timeout=240)] == [True, True]

        runs = instance.get_runs()
        assert len(runs) == 2 and all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs)
        first, second = sorted(pool_step_window(instance, run.run_id) for run in runs)
        assert first[1] <= second[0], f"pool steps overlapped: {first} and {second}"
        assert (second[1] - first[0]).total_seconds() >= 2 * QUERY_DELAY_SECONDS
        blocked = [
            record.event_log_entry.user_message
            for run in runs
            for record in instance.get_records_for_run(run.run_id).records
            if "blocked by limit for pool genesys_api" in (record.event_log_entry.user_message or "")
        ]
        assert blocked, "the second run never waited for the pool"
