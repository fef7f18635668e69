"""`raw_conversation_pages`: the details-query pages of an hour, as Genesys sent them.

Kept for replay and audit: `wrapup_records` is rebuilt from this partition alone. The asset owns
the fetch: its Genesys client lives as long as the step, pages stream from the API into a local
compressed spool sorted by hour (never a whole hour in memory), and the IO manager is handed each
hour's pages as a stream once the fetch has finished. Personal fields are redacted before they
touch disk unless the run config says otherwise.

A single hour (the schedule, a click in the UI) pages the details query. A backfill runs a range
of hours per run (`assets.range_runs`, a week by default): the hours older than Genesys' jobs
availability date come from one async details job for the whole range (a handful of requests
instead of a query per hour and page), the newer ones from the query, hour by hour; every hour is
still its own partition with its own figures. The run's requests per 1,000 conversations are in
each hour's metadata.

A Genesys call that fails for good fails the run with a `dg.Failure` naming the partition, the
endpoint and the last status; the lake keeps the partition's previous version (nothing is
published from a failed run), so re-running the partition is all it takes once Genesys recovers.
"""

import contextlib
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dagster as dg
import msgspec

from wrapup_assets.assets.catalog_snapshot import CATALOG_SNAPSHOT_NAME, encode_catalog_snapshot
from wrapup_assets.assets.details_job_export import DetailsJobExport
from wrapup_assets.assets.metadata import GROUP_NAME, OWNERS
from wrapup_assets.assets.range_runs import hourly_backfill_policy
from wrapup_assets.genesys.client import GenesysClient
from wrapup_assets.genesys.details_jobs import JobPolling
from wrapup_assets.genesys.errors import GenesysApiError, GenesysAuthError
from wrapup_assets.genesys.resource import GenesysCloudResource
from wrapup_assets.lake.page_spool import HourPageSpool
from wrapup_assets.lake.payloads import HourlyRawPagesOutput, RawPagesOutput
from wrapup_assets.partitions import hour_start, hourly_partitions
from wrapup_assets.records.redact import redact_page

# A figure an export reports about what it fetched (counts, ratios, how it fetched).
MetadataFigure = int | float | str
FETCH_PATH_QUERY = "details_query"
FETCH_PATH_JOBS = "details_jobs"
HOUR = timedelta(hours=1)


class RawPagesConfig(dg.Config):
    """Run settings of the raw export."""

    redact_personal_data: bool = True
    """Replace ani, dnis, addresses, names, notes and attributes in the stored pages (on by default)."""
    use_details_jobs: bool = True
    """In a run of several hours, fetch those older than the jobs' availability date through one async
    details job (on by default); off pages the details query hour by hour."""
    details_job_max_wait_minutes: float = 60.0
    """How long to wait for Genesys to compute a details job before cancelling it and failing the run."""


@contextlib.contextmanager
def failing_for_partition(partition_key: str) -> Iterator[None]:
    """Turns a Genesys call that failed for good into a run failure that names the partition (or the
    range of a multi-hour run) and says what to do; the Genesys error stays chained as its cause."""
    try:
        yield
    except GenesysApiError as error:
        advice = (
            "check GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET and the OAuth client's roles, then re-run it"
            if isinstance(error, GenesysAuthError)
            else "re-run it when Genesys answers again"
        )
        raise dg.Failure(
            description=(
                f"Exporting partition {partition_key} from Genesys failed: {error}. Nothing was published "
                f"for {partition_key} (its previous version, if any, stays in the lake); {advice}."
            ),
            metadata={
                "partition": partition_key,
                "endpoint": f"{error.method} {error.path}",
                "last_status": "no HTTP response" if error.status is None else str(error.status),
                "attempts": error.attempts,
                "correlation_id": error.correlation_id or "",
            },
        ) from error


def query_hour_into_spool(client: GenesysClient, key: str, spool: HourPageSpool, redact: bool) -> int:
    """Page the details query over one hour into the spool (redacted when asked); the conversations received."""
    encoder = msgspec.json.Encoder()
    start = hour_start(key)
    conversations = 0
    with failing_for_partition(key):
        for page in client.iter_conversation_detail_pages(start, start + HOUR):
            conversations += len(page.get("conversations") or ())
            spool.add(key, encoder.encode(redact_page(page) if redact else page))
    return conversations


def request_figures(fetch_path: str, api_requests: int, conversations: int) -> dict[str, MetadataFigure]:
    """How a run fetched and what it cost: API requests (token, catalog, retries included) and
    requests per 1,000 conversations received, the figure that compares the query and jobs paths."""
    figures: dict[str, MetadataFigure] = {"fetch_path": fetch_path, "api_requests": api_requests}
    if conversations:
        figures["requests_per_1000_conversations"] = round(api_requests * 1000 / conversations, 1)
    return figures


def range_label(keys: Sequence[str]) -> str:
    """How messages name a run's partitions: the key, or `first..last` for a range."""
    return keys[0] if len(keys) == 1 else f"{keys[0]}..{keys[-1]}"


def jobs_hours(keys: Sequence[str], availability: datetime) -> list[str]:
    """The leading hours of the run that end by the jobs' availability date (a details job sees them)."""
    return [key for key in keys if hour_start(key) + HOUR <= availability]


with warnings.catch_warnings():
    # backfill_policy is a beta parameter of @asset in Dagster 1.13: silenced here only.
    warnings.simplefilter("ignore", dg.BetaWarning)

    @dg.asset(
        partitions_def=hourly_partitions,
        backfill_policy=hourly_backfill_policy,
        pool="genesys_api",
        group_name=GROUP_NAME,
        owners=OWNERS,
        kinds={"genesys", "json"},
        description=(
            "Conversation details pages for one UTC hour, one response page per line (pages.jsonl.zst), "
            "personal fields redacted, with the wrap-up code catalog at export time. Backfills fetch a "
            "range of old hours per run through one async details job."
        ),
    )
    def raw_conversation_pages(
        context: dg.AssetExecutionContext, config: RawPagesConfig, genesys: GenesysCloudResource
    ):
        keys = list(context.partition_keys)
        if not config.redact_personal_data:
            context.log.warning("Personal fields are stored unredacted in the raw pages (redact_personal_data=false)")
        with HourPageSpool(keys) as spool:
            with genesys.get_client() as client:
                fetched = _fetch_into_spool(context, client, keys, spool, config)
            spool.finish()
            hours = {key: RawPagesOutput(spool.iter_pages(key), fetched.sidecars) for key in keys}
            if len(keys) == 1:
                yield dg.Output(hours[keys[0]], metadata={**fetched.run_figures, **fetched.hour_figures(keys[0])})
                return
            for key in keys:
                context.add_asset_metadata(fetched.hour_figures(key), partition_key=key)
            yield dg.Output(HourlyRawPagesOutput(hours), metadata={"hours_in_run": len(keys), **fetched.run_figures})


@dataclass
class _Fetched:
    """What a run fetched into its spool: the catalog sidecar and the figures a person checks."""

    sidecars: Mapping[str, bytes]
    conversations_by_hour: Mapping[str, int]
    run_figures: Mapping[str, MetadataFigure]

    def hour_figures(self, key: str) -> dict[str, MetadataFigure]:
        return {"conversations_received": self.conversations_by_hour.get(key, 0)}


def _fetch_into_spool(
    context: dg.AssetExecutionContext,
    client: GenesysClient,
    keys: list[str],
    spool: HourPageSpool,
    config: RawPagesConfig,
) -> _Fetched:
    """The run's hours into the spool: those a details job sees through one job (a run of several
    hours), the newer ones (or a single hour) paged from the details query."""
    label = range_label(keys)
    with failing_for_partition(label):
        codes = client.list_wrapup_codes("ActiveAndDeleted")
    context.log.info(f"Exporting {label}; catalog has {len(codes)} wrap-up codes")
    sidecars = {CATALOG_SNAPSHOT_NAME: encode_catalog_snapshot(codes, datetime.now(UTC))}
    job_keys: list[str] = []
    if len(keys) > 1 and config.use_details_jobs:
        with failing_for_partition(label):
            availability = client.details_jobs_availability()
        job_keys = jobs_hours(keys, availability)
        context.log.info(
            f"Details jobs see data before {availability.isoformat()}: {len(job_keys)} of {len(keys)} hours "
            "through one job, the rest through the details query"
        )
    conversations: dict[str, int] = {}
    job_figures: dict[str, MetadataFigure] = {}
    received = 0
    if job_keys:
        polling = JobPolling(max_wait_seconds=config.details_job_max_wait_minutes * 60)
        job = DetailsJobExport(client, job_keys, spool, redact=config.redact_personal_data, polling=polling)
        with failing_for_partition(range_label(job_keys)):
            job.fetch()
        context.log.info(
            f"Details job {job.job_id}: {job.conversations_received} conversations received, "
            f"{job.conversations_outside_range} started outside {range_label(job_keys)}"
        )
        if job.conversations_without_start:
            context.log.warning(
                f"{job.conversations_without_start} conversations of details job {job.job_id} have "
                "no readable conversationStart and belong to no hour: they are not stored"
            )
        conversations.update({key: job.conversations_in(key) for key in job_keys})
        received += job.conversations_received
        job_figures = {
            "details_job_id": job.job_id or "",
            "conversations_without_start": job.conversations_without_start,
        }
    query_keys = keys[len(job_keys) :]
    for key in query_keys:
        conversations[key] = query_hour_into_spool(client, key, spool, config.redact_personal_data)
        received += conversations[key]
    paths = [FETCH_PATH_JOBS] * bool(job_keys) + [FETCH_PATH_QUERY] * bool(query_keys)
    run_figures: dict[str, MetadataFigure] = request_figures("+".join(paths), client.request_count, received)
    if len(keys) > 1:
        run_figures |= {"run_conversations_received": received, **job_figures}
    return _Fetched(sidecars, conversations, run_figures)
