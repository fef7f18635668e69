"""On PostgreSQL the `genesys_api` pool holds under simultaneous claims: two runs of a limit-1 pool,
released at the same instant by a barrier (no staggering), are never both in the pool.

The pool is set up from the instance's default limit (1 here) before the runs start, as the first run
after a deployment sets it up. Setting it up from two processes in the same instant is a separate
race, inside Dagster: on a fresh PostgreSQL database one of them can fail with a UniqueViolation on
`concurrency_limits` (seen here; the shipped run retries start that run again, and deploy/README.md
says how to create the pool once after `dagster instance migrate`). The emulator holds every details query
until the test has seen, in the database, one run holding the slot and the other waiting for it, so
the outcome does not depend on which process is faster, nor on how loaded the machine is.
"""

import multiprocessing
import sys
import threading
from pathlib import Path

import dagster as dg
import yaml

from wrapup_assets.assets import raw_conversation_pages, wrapup_records
from wrapup_assets.emulator import GenesysEmulator
from wrapup_assets.emulator.faults import Fault
from wrapup_assets.genesys.resource import GenesysCloudResource
from wrapup_assets.lake.io_manager import LakeIOManager
from wrapup_assets_tests.automation.test_pool import HOLD_TIMEOUT_SECONDS, pool_step_window, pool_waits, wait_until
from wrapup_assets_tests.conftest import TEST_CONFIG

HOURS = ["2024-05-01-09:00", "2024-05-01-10:00"]
POOL = "genesys_api"


def materialize_hour_on_signal(home: str, hour: str, api_url: str, login_url: str, lake: str, barrier) -> None:
    """One hourly run in this (child) process, started when every party has reached the barrier."""
    genesys = GenesysCloudResource(
        api_url=api_url, login_url=login_url, client_id=TEST_CONFIG.client_id, client_secret=TEST_CONFIG.client_secret
    )
    resources = {"genesys": genesys, "io_manager": LakeIOManager(lake_url=lake)}
    with dg.DagsterInstance.from_config(home) as instance:
        barrier.wait()
        result = dg.materialize(
            [raw_conversation_pages, wrapup_records],
            partition_key=hour,
            instance=instance,
            resources=resources,
            raise_on_error=False,
        )
    sys.exit(0 if result.success else 1)


def test_two_runs_released_at_once_never_hold_the_limit_1_pool_together(
    postgres_instance_home: Path, emulator: GenesysEmulator, tmp_path: Path
):
    config_path = postgres_instance_home / "dagster.yaml"
    config = yaml.safe_load(config_path.read_text())
    config["concurrency"]["pools"]["default_limit"] = 1
    config_path.write_text(yaml.safe_dump(config))
    with dg.DagsterInstance.from_config(str(postgres_instance_home)) as instance:
        instance.event_log_storage.initialize_concurrency_limit_to_default(POOL)
    released = threading.Event()
    emulator.faults.inject(Fault.hold(released, HOLD_TIMEOUT_SECONDS), path_contains="details/query", times=2)

    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(HOURS) + 1)
    runs = [
        context.Process(
            target=materialize_hour_on_signal,
            args=(str(postgres_instance_home), hour, emulator.api_url, emulator.login_url, str(tmp_path), barrier),
        )
        for hour in HOURS
    ]
    for run in runs:
        run.start()
    with dg.DagsterInstance.from_config(str(postgres_instance_home)) as instance:
        try:
            barrier.wait(timeout=HOLD_TIMEOUT_SECONDS)
            wait_until(lambda: pool_waits(instance), "neither run waited for the pool")
            # The moment of truth: one run holds the only slot, the other waits in the pool's queue
            # (possibly already "assigned": both can pass the assignment check at once; the slot
            # row, claimed with SELECT ... FOR UPDATE SKIP LOCKED, is what keeps the second out).
            info = instance.event_log_storage.get_concurrency_info(POOL)
            (holder,) = info.active_run_ids
            waiting = {step.run_id for step in info.pending_steps} - {holder}
            assert (info.slot_count, len(waiting)) == (1, 1), info
        finally:
            released.set()
            for run in runs:
                run.join(timeout=240)
        assert [run.exitcode for run in runs] == [0, 0]

        recorded = instance.get_runs()
        assert len(recorded) == 2 and all(run.status == dg.DagsterRunStatus.SUCCESS for run in recorded)
        first, second = sorted(pool_step_window(instance, run.run_id) for run in recorded)
        assert first[1] <= second[0], f"pool steps overlapped: {first} and {second}"
        assert len(pool_waits(instance)) >= 1
        assert instance.event_log_storage.get_concurrency_info(POOL).claimed_slots == []
