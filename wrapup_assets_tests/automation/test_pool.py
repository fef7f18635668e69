"""The `genesys_api` pool holds across runs: two runs in two processes on one instance with a pool
limit of 1 never call Genesys at the same time.

Processes, not threads: several `dg.materialize` calls in threads of one process deadlock on
Dagster's logging lock. The emulator holds the first run's details query until the second run has
recorded that it waits for the pool, so the outcome does not depend on how fast a process starts.
"""

import multiprocessing
import threading
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
HOLD_TIMEOUT_SECONDS = 120


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


def pool_waits(instance: dg.DagsterInstance) -> list[str]:
    """The messages of every run that waited for the `genesys_api` pool."""
    return [
        record.event_log_entry.user_message
        for run in instance.get_runs()
        for record in instance.get_records_for_run(run.run_id).records
        if "blocked by limit for pool genesys_api" in (record.event_log_entry.user_message or "")
    ]


def pool_step_started(instance: dg.DagsterInstance) -> bool:
    """Whether a run's pool step has started, i.e. holds the pool's slot."""
    return any(
        record.event_log_entry.step_key == "raw_conversation_pages"
        for run in instance.get_runs()
        for record in instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.STEP_START).records
    )


def wait_until(condition, what: str, timeout_seconds: float = HOLD_TIMEOUT_SECONDS) -> None:
    """Poll `condition` until it holds; TimeoutError naming `what` otherwise."""
    deadline = time.monotonic() + timeout_seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout_seconds} s")
        time.sleep(0.05)


def test_two_concurrent_runs_take_turns_on_the_genesys_api_pool(emulator: GenesysEmulator, tmp_path: Path):
    first_query_released = threading.Event()
    emulator.faults.inject(Fault.hold(first_query_released, HOLD_TIMEOUT_SECONDS), path_contains="details/query")
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
            wait_until(lambda: pool_step_started(instance), "no run started its raw_conversation_pages step")
            second = processes.apply_async(materialize_hour, arguments[1])
            try:
                wait_until(lambda: pool_waits(instance), "the second run never waited for the pool")
            finally:
                first_query_released.set()
            assert [first.get(timeout=240), second.get(timeout=240)] == [True, True]

        runs = instance.get_runs()
        assert len(runs) == 2 and all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs)
        first, second = sorted(pool_step_window(instance, run.run_id) for run in runs)
        assert first[1] <= second[0], f"pool steps overlapped: {first} and {second}"
        assert pool_waits(instance), "the second run never waited for the pool"
