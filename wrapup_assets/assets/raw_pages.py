"""`raw_conversation_pages`: the details-query pages of an hour, as Genesys sent them.

Kept for replay and audit: `wrapup_records` is rebuilt from this partition alone. Pages stream
from the API straight into the compressed file (never a whole hour in memory). Personal fields are
redacted before they touch disk unless the run config says otherwise.

A single hour (the schedule, a click in the UI) pages the details query. A backfill runs up to 24
hours at a time (`BackfillPolicy.multi_run(24)`): the hours older than Genesys' jobs availability
date come from one async details job for the whole range (a handful of requests instead of a
query per hour and page), the newer ones from the query, hour by hour; every hour is still its own
partition. The run's requests per 1,000 conversations are in each hour's metadata.

A Genesys call that fails for good fails the run with a `dg.Failure` naming the partition, the
endpoint and the last status; the lake keeps the partition's previous version (nothing is
published from a failed run), so re-running the partition is all it takes once Genesys recovers.
"""

import contextlib
import warnings
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta

import dagster as dg
import msgspec

from wrapup_assets.assets.catalog_snapshot import CATALOG_SNAPSHOT_NAME, encode_catalog_snapshot
from wrapup_assets.assets.details_job_export import DetailsJobExport
from wrapup_assets.assets.metadata import GROUP_NAME, OWNERS
from wrapup_assets.genesys.client import GenesysClient
from wrapup_assets.genesys.details_jobs import JobPolling
from wrapup_assets.genesys.errors import GenesysApiError, GenesysAuthError
from wrapup_assets.genesys.resource import GenesysCloudResource
from wrapup_assets.lake.payloads import HourlyRawPagesOutput, MetadataFigure, RawPagesOutput
from wrapup_assets.partitions import hour_start, hourly_partitions
from wrapup_assets.records.redact import redact_page

# Hours per backfill run: a UTC day, one details job.
HOURS_PER_BACKFILL_RUN = 24
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


class PageExport:
    """An hour's details-query pages as JSON lines, streamed from the API while the IO manager
    writes them, counting the conversations received."""

    def __init__(self, client: GenesysClient, partition_key: str, redact: bool) -> None:
        self._client, self.partition_key, self._redact = client, partition_key, redact
        self.conversations = 0

    def lines(self) -> Iterator[bytes]:
        """Each details-query page of the hour as one line of JSON, redacted when asked."""
        encoder = msgspec.json.Encoder()
        start = hour_start(self.partition_key)
        with failing_for_partition(self.partition_key):
            for page in self._client.iter_conversation_detail_pages(start, start + HOUR):
                self.conversations += len(page.get("conversations") or ())
                yield encoder.encode(redact_page(page) if self._redact else page)


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


# A job (or dg.materialize) selecting raw pages and records together runs one hour per run, the
# records' policy, which is what the hourly job wants; Dagster warns about the mix every time the
# job resolves. Only that warning is silenced, process-wide, as it is raised where jobs resolve.
warnings.filterwarnings(
    "ignore", message=r"Asset job \S+ materializes assets with varying BackfillPolicies", category=UserWarning
)

with warnings.catch_warnings():
    # backfill_policy is a beta parameter in Dagster 1.13; we rely on it for one details job per
    # day of a backfill, and silence the warning here only.
    warnings.simplefilter("ignore", dg.BetaWarning)

    @dg.asset(
        partitions_def=hourly_partitions,
        backfill_policy=dg.BackfillPolicy.multi_run(HOURS_PER_BACKFILL_RUN),
        pool="genesys_api",
        group_name=GROUP_NAME,
        owners=OWNERS,
        kinds={"genesys", "json"},
        description=(
            "Conversation details pages for one UTC hour, one response page per line (pages.jsonl.zst), "
            "personal fields redacted, with the wrap-up code catalog at export time. Backfills fetch "
            "old hours through async details jobs, a day per run."
        ),
    )
    def raw_conversation_pages(
        context: dg.AssetExecutionContext, config: RawPagesConfig, genesys: GenesysCloudResource
    ) -> object:
        keys = list(context.partition_keys)
        client = genesys.get_client()
        with contextlib.ExitStack() as on_failure:
            on_failure.callback(client.close)  # on success the IO manager closes it once the pages are stored
            with failing_for_partition(range_label(keys)):
                codes = client.list_wrapup_codes("ActiveAndDeleted")
            context.log.info(f"Exporting {range_label(keys)}; catalog has {len(codes)} wrap-up codes")
            if not config.redact_personal_data:
                context.log.warning(
                    "Personal fields are stored unredacted in the raw pages (redact_personal_data=false)"
                )
            sidecars = {CATALOG_SNAPSHOT_NAME: encode_catalog_snapshot(codes, datetime.now(UTC))}
            if len(keys) == 1:
                output: object = _one_hour(client, keys[0], sidecars, config)
            else:
                output = _hours_of_range(context, client, keys, sidecars, config, on_failure)
            on_failure.pop_all()
            return output


def _one_hour(client: GenesysClient, key: str, sidecars: Mapping[str, bytes], config: RawPagesConfig) -> RawPagesOutput:
    export = PageExport(client, key, config.redact_personal_data)
    return RawPagesOutput(
        pages=export.lines(),
        sidecar_files=sidecars,
        summary=lambda: {
            **request_figures(FETCH_PATH_QUERY, client.request_count, export.conversations),
            "conversations_received": export.conversations,
        },
        close=client.close,
    )


def _hours_of_range(
    context: dg.AssetExecutionContext,
    client: GenesysClient,
    keys: list[str],
    sidecars: Mapping[str, bytes],
    config: RawPagesConfig,
    on_failure: contextlib.ExitStack,
) -> HourlyRawPagesOutput:
    """The run's hours: those a details job sees through one job, fetched now into a spool; the
    newer ones paged from the details query while the IO manager writes them."""
    label = range_label(keys)
    job_keys: list[str] = []
    if config.use_details_jobs:
        with failing_for_partition(label):
            availability = client.details_jobs_availability()
        job_keys = jobs_hours(keys, availability)
        context.log.info(
            f"Details jobs see data before {availability.isoformat()}: {len(job_keys)} of {len(keys)} hours "
            "through one job, the rest through the details query"
        )
    job_export = None
    if job_keys:
        polling = JobPolling(max_wait_seconds=config.details_job_max_wait_minutes * 60)
        job_export = DetailsJobExport(client, job_keys, redact=config.redact_personal_data, polling=polling)
        on_failure.callback(job_export.close)
        with failing_for_partition(range_label(job_keys)):
            job_export.fetch()
        context.log.info(
            f"Details job {job_export.job_id}: {job_export.conversations_received} conversations received, "
            f"{job_export.conversations_outside_range} started outside {range_label(job_keys)}"
        )
        if job_export.conversations_without_start:
            context.log.warning(
                f"{job_export.conversations_without_start} conversations of details job {job_export.job_id} have "
                "no readable conversationStart and belong to no hour: they are not stored"
            )
    hours: dict[str, RawPagesOutput] = {}
    for key in job_keys:
        hours[key] = RawPagesOutput(
            pages=job_export.pages(key),
            sidecar_files=sidecars,
            summary=lambda key=key: {"conversations_received": job_export.conversations_in(key)},
        )
    query_exports = [PageExport(client, key, config.redact_personal_data) for key in keys[len(job_keys) :]]
    for export in query_exports:
        hours[export.partition_key] = RawPagesOutput(
            pages=export.lines(),
            sidecar_files=sidecars,
            summary=lambda export=export: {"conversations_received": export.conversations},
        )

    def run_summary() -> dict[str, MetadataFigure]:
        received = sum(export.conversations for export in query_exports)
        figures: dict[str, MetadataFigure] = {}
        if job_export is not None:
            received += job_export.conversations_received
            figures = {
                "details_job_id": job_export.job_id or "",
                "conversations_without_start": job_export.conversations_without_start,
            }
        paths = [FETCH_PATH_JOBS] * bool(job_keys) + [FETCH_PATH_QUERY] * bool(query_exports)
        return {
            **request_figures("+".join(paths), client.request_count, received),
            "run_conversations_received": received,
            **figures,
        }

    def close() -> None:
        client.close()
        if job_export is not None:
            job_export.close()

    return HourlyRawPagesOutput(hours=hours, summary=run_summary, close=close)
