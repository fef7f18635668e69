"""The `wrapup-assets` command: the demo (a whole UTC day on the emulator), the standalone emulator,
`sql` (DuckDB over the lake) and `backfill` (load history through a running webserver)."""

import argparse
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from wrapup_assets.emulator import EmulatorConfig, GenesysEmulator, serve
from wrapup_assets.emulator.faults import FAULTS_BY_NAME, RETRYABLE_FAULT_NAMES
from wrapup_assets.lake.location import DEFAULT_LAKE_URL, LAKE_URL_ENV_VAR

DEMO_DAY = "2024-05-01"
DIRECTORY_ASSETS = ("genesys_queues", "genesys_users", "genesys_divisions", "wrapup_codes", "queue_wrapup_codes")
BANNER_WIDTH = 78


@dataclass(frozen=True)
class PartitionReport:
    """What one materialized partition produced, for the demo's progress lines and summary."""

    partition: str
    rows: int
    files: int
    bytes: int
    checks_passed: tuple[str, ...]
    checks_failed: tuple[str, ...]
    seconds: float

    @property
    def checks(self) -> str:
        """What the partition's checks said, for its progress line."""
        outcomes = [f"{name} passed" for name in self.checks_passed] + [f"{name} FAILED" for name in self.checks_failed]
        return ", ".join(outcomes) or "no checks"


def _loud(message: str) -> None:
    print("=" * BANNER_WIDTH, message, "=" * BANNER_WIDTH, sep="\n", flush=True)


def _report(result, asset_name: str, partition: str, seconds: float) -> PartitionReport:
    """Rows, files and check outcomes of one asset's materialization in a finished run."""
    materializations = result.asset_materializations_for_node(asset_name)
    metadata = {key: value.value for key, value in materializations[0].metadata.items()} if materializations else {}
    evaluations = [e for e in result.get_asset_check_evaluations() if e.asset_key.path[-1] == asset_name]
    return PartitionReport(
        partition=partition,
        rows=int(metadata.get("dagster/row_count", 0)),
        files=int(metadata.get("file_count", 0)),
        bytes=int(metadata.get("bytes", 0)),
        checks_passed=tuple(e.check_name for e in evaluations if e.passed),
        checks_failed=tuple(e.check_name for e in evaluations if not e.passed),
        seconds=seconds,
    )


def _checks_summary(reports: Sequence[PartitionReport]) -> str:
    """How many check evaluations passed and which failed, over the demo's runs."""
    passed = sum(len(report.checks_passed) for report in reports)
    failed = [f"{name} on {report.partition}" for report in reports for name in report.checks_failed]
    if not failed:
        return f"all {passed} check evaluations passed"
    return f"{passed} check evaluations passed, {len(failed)} FAILED ({'; '.join(failed)})"


def _run_partition(job, partition_key: str | None, instance, asset_name: str) -> PartitionReport:
    return _run_assets(job, partition_key, instance, [asset_name])[0]


def _run_assets(
    job, partition_key: str | None, instance, asset_names: Sequence[str], ops_config: dict | None = None
) -> list[PartitionReport]:
    """Run a job for a partition and report each named asset's materialization."""
    quiet_logs = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    started = time.monotonic()
    result = job.execute_in_process(
        partition_key=partition_key,
        instance=instance,
        run_config={**quiet_logs, **({"ops": ops_config} if ops_config else {})},
        raise_on_error=False,
    )
    seconds = time.monotonic() - started
    if not result.success:
        raise SystemExit(
            f"The run for {job.name} {partition_key or ''} failed (run id {result.run_id}); see the logs above."
        )
    return [
        _report(result, name, name if len(asset_names) > 1 else partition_key or "-", seconds) for name in asset_names
    ]


def _print_progress(report: PartitionReport) -> None:
    print(
        f"  {report.partition:<17} {report.rows:>7} rows  {report.files} file(s) {report.bytes:>10,} bytes  "
        f"{report.checks}  ({report.seconds:.1f} s)",
        flush=True,
    )


def _query_lake(lake: Path, day: str) -> None:
    """The analyst's first query: rows per wrap-up code with labels, straight from the daily files."""
    import duckdb

    year, month, day_of_month = day.split("-")
    daily_glob = lake / "wrapup_daily" / f"year={year}" / f"month={month}" / f"day={day_of_month}" / "*.parquet"
    hourly_glob = lake / "wrapup_records" / "**" / "*.parquet"
    query = (
        "SELECT coalesce(wrap_up_code_id, '(no code)') AS wrap_up_code, wrap_up_code_label AS label, count(*) AS rows "
        f"FROM read_parquet('{daily_glob}', hive_partitioning = true) GROUP BY ALL ORDER BY rows DESC, wrap_up_code"
    )
    print(f"\nDuckDB over the lake:\n  {query}\n")
    connection = duckdb.connect()
    per_code = connection.execute(query).fetchall()
    print(f"{len(per_code)} wrap-up codes; the top 15:")
    for code, label, rows in per_code[:15]:
        print(f"  {rows:>6}  {code:<40} {label or ''}")
    hours = connection.execute(
        f"SELECT count(DISTINCT hour), count(*) FROM read_parquet('{hourly_glob}', hive_partitioning = true, "
        "hive_types = {'year': INTEGER, 'month': INTEGER, 'day': INTEGER, 'hour': INTEGER}) "
        f"WHERE year = {int(year)} AND month = {int(month)} AND day = {int(day_of_month)}"
    ).fetchone()
    print(f"\nHourly partitions of {day} read through hive_partitioning: {hours[0]} hours, {hours[1]} rows.")


def run_demo(day: str, lake: Path, dagster_home: Path, conversations_per_hour: int) -> None:
    """Materialize a whole UTC day on the embedded emulator, into a local lake, with runs kept in the UI."""
    lake, dagster_home = lake.resolve(), dagster_home.resolve()
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = EmulatorConfig(conversations_per_hour=conversations_per_hour)
    with GenesysEmulator(config) as emulator:
        _loud(
            "DEMO ON THE GENESYS CLOUD EMULATOR: synthetic data, not a real org.\n"
            f"Emulator: {emulator.api_url}   lake: {lake}   DAGSTER_HOME: {dagster_home}"
        )
        os.environ.pop("GENESYS_REGION", None)
        os.environ.update(
            GENESYS_API_URL=emulator.api_url,
            GENESYS_LOGIN_URL=emulator.login_url,
            GENESYS_CLIENT_ID=config.client_id,
            GENESYS_CLIENT_SECRET=config.client_secret,
            WRAPUP_LAKE_URL=str(lake),
            DAGSTER_HOME=str(dagster_home),
        )
        import dagster as dg

        from wrapup_assets.definitions import defs
        from wrapup_assets.partitions import day_hour_keys

        instance = dg.DagsterInstance.get()
        started = time.monotonic()
        print("\nwrapup_codes (catalog):", flush=True)
        catalog = _run_partition(defs.resolve_job_def("wrapup_codes_job"), None, instance, "wrapup_codes")
        _print_progress(catalog)
        print(f"\nwrapup_records, 24 hours of {day}:", flush=True)
        hourly_job = defs.resolve_job_def("hourly_ingest_job")
        hourly = []
        for key in day_hour_keys(day):
            hourly.append(_run_partition(hourly_job, key, instance, "wrapup_records"))
            _print_progress(hourly[-1])
        print(f"\nwrapup_daily {day}:", flush=True)
        daily = _run_partition(defs.resolve_job_def("daily_compaction_job"), day, instance, "wrapup_daily")
        _print_progress(daily)
        print("\nHistories (queues, users, divisions, codes) and the queues' offered codes:", flush=True)
        # The emulator's clock is now, so the snapshot of the queues' codes is today's mapping.
        late_snapshot = {"queue_wrapup_codes": {"config": {"allow_late_snapshot": True}}}
        directory = _run_assets(
            defs.resolve_job_def("directory_job"), day, instance, DIRECTORY_ASSETS, ops_config=late_snapshot
        )
        for report in directory:
            _print_progress(report)
        print(f"\nwrapup_summary_daily {day}:", flush=True)
        summary = _run_partition(defs.resolve_job_def("summary_job"), day, instance, "wrapup_summary_daily")
        _print_progress(summary)
        elapsed = time.monotonic() - started

    print(
        f"\nSummary: {sum(r.rows for r in hourly)} rows in 24 hourly partitions "
        f"({sum(r.bytes for r in hourly):,} bytes), {daily.rows} rows in {daily.files} daily file(s) "
        f"({daily.bytes:,} bytes); {_checks_summary([catalog, *hourly, daily, *directory, summary])}; {elapsed:.0f} s."
    )
    _query_lake(lake, day)
    print(f"\nThe mart, the histories and the as-of view, in DuckDB: .venv/bin/wrapup-assets sql --lake {lake}")
    _loud(
        "That was the EMULATOR. To see these runs in the UI: make dev. For a real org set GENESYS_REGION\n"
        "(or GENESYS_API_URL + GENESYS_LOGIN_URL), GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET (see README)."
    )


def run_sql(lake_url: str, statement: str | None) -> None:
    """Open DuckDB over the lake: run `statement` and print its rows, or start the interactive shell."""
    import duckdb

    from wrapup_assets.sql_shell import open_lake, run_statement, shell

    connection, views = open_lake(lake_url)
    if not views:
        raise SystemExit(
            f"No dataset found under {lake_url}: materialize some (make demo) or check --lake / {LAKE_URL_ENV_VAR}"
        )
    try:
        if statement is not None:
            run_statement(connection, statement)
        else:
            shell(connection, views)
    except duckdb.Error as error:
        raise SystemExit(f"Error: {error}") from None
    finally:
        connection.close()


def run_backfill(first_day: str, last_day: str, webserver_url: str) -> None:
    """Launch the history backfill on a running webserver and say where to follow it."""
    from wrapup_assets.history import HistoryLaunchError, HistoryRange, launch_history_backfill

    try:
        history = HistoryRange.of_days(first_day, last_day)
        backfill_id = launch_history_backfill(webserver_url, history)
    except HistoryLaunchError as error:
        raise SystemExit(f"wrapup-assets backfill: {error}") from None
    print(
        f"Backfill {backfill_id} launched: raw pages, records and quarantine {history.hours['start']} .. "
        f"{history.hours['end']}, wrapup_daily {history.first_day} .. {history.last_day}.\n"
        f"The daemon runs it as range runs; follow it at {webserver_url.rstrip('/')}/runs/b/{backfill_id}"
    )


def _day(value: str) -> str:
    """argparse type: a UTC day as YYYY-MM-DD."""
    try:
        datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a UTC day: give YYYY-MM-DD, e.g. {DEMO_DAY}") from None
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command line: `demo`, `sql`, `backfill` and `emulator`."""
    parser = argparse.ArgumentParser(prog="wrapup-assets", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="materialize one UTC day on the embedded emulator")
    demo.add_argument("--day", type=_day, default=DEMO_DAY, help=f"UTC day YYYY-MM-DD (default {DEMO_DAY})")
    demo.add_argument("--lake", type=Path, default=Path("data/lake"), help="local lake directory (default ./data/lake)")
    demo.add_argument(
        "--dagster-home",
        type=Path,
        default=Path("data/dagster_home"),
        help="DAGSTER_HOME (default ./data/dagster_home)",
    )
    demo.add_argument(
        "--conversations-per-hour", type=int, default=EmulatorConfig.conversations_per_hour, help="peak-hour volume"
    )

    sql = commands.add_parser("sql", help="DuckDB with views over the lake (records, daily, summary, histories)")
    sql.add_argument(
        "--lake",
        default=None,
        help="lake root: a directory or s3://bucket/prefix (default WRAPUP_LAKE_URL, else ./data/lake)",
    )
    sql.add_argument(
        "-c", "--command", dest="command_text", default=None, help="run one SQL statement, print its rows and exit"
    )

    backfill = commands.add_parser(
        "backfill", help="load whole UTC days of history: the UI's partition-range backfill, via a running webserver"
    )
    backfill.add_argument("--from", dest="first_day", required=True, help="first UTC day, YYYY-MM-DD")
    backfill.add_argument("--to", dest="last_day", required=True, help="last UTC day, YYYY-MM-DD (included)")
    backfill.add_argument(
        "--webserver", default="http://localhost:3000", help="the Dagster webserver (default http://localhost:3000)"
    )

    emulator = commands.add_parser("emulator", help="serve the Genesys Cloud emulator until interrupted")
    emulator.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    emulator.add_argument("--port", type=int, default=0, help="port; 0 picks a free one and prints it (default 0)")
    emulator.add_argument("--client-id", default=EmulatorConfig.client_id, help=f"default {EmulatorConfig.client_id}")
    emulator.add_argument(
        "--client-secret", default=EmulatorConfig.client_secret, help=f"default {EmulatorConfig.client_secret}"
    )
    emulator.add_argument(
        "--seed", type=int, default=EmulatorConfig.seed, help=f"data seed (default {EmulatorConfig.seed})"
    )
    emulator.add_argument(
        "--conversations-per-hour", type=int, default=EmulatorConfig.conversations_per_hour, help="peak-hour volume"
    )
    emulator.add_argument(
        "--requests-per-minute", type=int, default=None, help="rate limit per token (default unlimited)"
    )
    emulator.add_argument(
        "--fault-rate", type=float, default=0.0, help="share of requests that get a random fault, 0-1 (default 0)"
    )
    emulator.add_argument(
        "--fault-kinds",
        default=",".join(RETRYABLE_FAULT_NAMES),
        help=f"comma-separated faults from: {', '.join(FAULTS_BY_NAME)} (default: the retryable ones)",
    )
    emulator.add_argument("--fault-seed", type=int, default=0, help="seed of the random faults (default 0)")
    emulator.add_argument(
        "--pagination-result-cap",
        type=int,
        default=EmulatorConfig.pagination_result_cap,
        help="details-query result cap (default 100000)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `wrapup-assets` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        run_demo(args.day, args.lake, args.dagster_home, args.conversations_per_hour)
    elif args.command == "sql":
        run_sql(args.lake or os.environ.get(LAKE_URL_ENV_VAR) or DEFAULT_LAKE_URL, args.command_text)
    elif args.command == "backfill":
        run_backfill(args.first_day, args.last_day, args.webserver)
    else:
        try:
            config = EmulatorConfig(
                seed=args.seed,
                conversations_per_hour=args.conversations_per_hour,
                client_id=args.client_id,
                client_secret=args.client_secret,
                requests_per_minute=args.requests_per_minute,
                pagination_result_cap=args.pagination_result_cap,
                fault_rate=args.fault_rate,
                fault_kinds=tuple(name.strip() for name in args.fault_kinds.split(",") if name.strip()),
                fault_seed=args.fault_seed,
            )
        except ValueError as error:
            parser.error(str(error))
        try:
            serve(config, host=args.host, port=args.port)
        except KeyboardInterrupt:
            sys.exit(0)
