"""A backfill worker for the soak test, run as its own process so the test can SIGKILL it mid-run.

`python -m wrapup_assets_tests.faults.backfill_worker FIRST_DAY DAYS` materializes, with the
production definitions and the instance in DAGSTER_HOME, every hourly partition of the days that
is not materialized yet (oldest first), then every daily partition not materialized yet — what an
operator's re-launched backfill does after a crash. One line per run on stdout:
`start KEY`, then `done KEY checks=passed|failed` or `failed KEY: <error>`.
"""

import sys
from datetime import datetime, timedelta

import dagster as dg

QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def _run(job: dg.JobDefinition, key: str, instance: dg.DagsterInstance) -> None:
    print(f"start {key}", flush=True)
    result = job.execute_in_process(partition_key=key, instance=instance, run_config=QUIET_LOGS, raise_on_error=False)
    if result.success:
        passed = all(evaluation.passed for evaluation in result.get_asset_check_evaluations())
        print(f"done {key} checks={'passed' if passed else 'failed'}", flush=True)
    else:
        failure = result.get_step_failure_events()
        reason = failure[0].step_failure_data.error.message.splitlines()[0] if failure else "run failed"
        print(f"failed {key}: {reason}", flush=True)


def main(first_day: str, days: int) -> None:
    """Materialize the missing hourly, then daily, partitions of `days` days from `first_day`."""
    from wrapup_assets.definitions import defs

    start = datetime.strptime(first_day, "%Y-%m-%d")
    day_keys = [(start + timedelta(days=d)).strftime("%Y-%m-%d") for d in range(days)]
    hour_keys = [(start + timedelta(hours=h)).strftime("%Y-%m-%d-%H:%M") for h in range(24 * days)]
    instance = dg.DagsterInstance.get()
    hourly_done = instance.get_materialized_partitions(dg.AssetKey("wrapup_records"))
    hourly_job = defs.resolve_job_def("hourly_ingest_job")
    for key in hour_keys:
        if key not in hourly_done:
            _run(hourly_job, key, instance)
    daily_done = instance.get_materialized_partitions(dg.AssetKey("wrapup_daily"))
    daily_job = defs.resolve_job_def("daily_compaction_job")
    for key in day_keys:
        if key not in daily_done:
            _run(daily_job, key, instance)
    print("finished", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
