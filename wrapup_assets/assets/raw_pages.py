"""`raw_conversation_pages`: the details-query pages of an hour, as Genesys sent them.

Kept for replay and audit: `wrapup_records` is rebuilt from this partition alone. Pages stream
from the API straight into the compressed file (never a whole hour in memory). Personal fields are
redacted before they touch disk unless the run config says otherwise.

A Genesys call that fails for good fails the run with a `dg.Failure` naming the partition, the
endpoint and the last status; the lake keeps the partition's previous version (nothing is
published from a failed run), so re-running the partition is all it takes once Genesys recovers.
"""

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime

import dagster as dg
import msgspec

from wrapup_assets.assets.catalog_snapshot import CATALOG_SNAPSHOT_NAME, encode_catalog_snapshot
from wrapup_assets.assets.metadata import GROUP_NAME, OWNERS
from wrapup_assets.genesys.client import GenesysClient
from wrapup_assets.genesys.errors import GenesysApiError, GenesysAuthError
from wrapup_assets.genesys.resource import GenesysCloudResource
from wrapup_assets.lake.payloads import RawPagesOutput
from wrapup_assets.partitions import hourly_partitions, utc_window
from wrapup_assets.records.redact import redact_page


class RawPagesConfig(dg.Config):
    """Run settings of the raw export."""

    redact_personal_data: bool = True
    """Replace ani, dnis, addresses, names, notes and attributes in the stored pages (on by default)."""


@contextlib.contextmanager
def failing_for_partition(partition_key: str) -> Iterator[None]:
    """Turns a Genesys call that failed for good into a run failure that names the partition and
    says what to do; the Genesys error stays chained as its cause."""
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
    """The hour's pages as JSON lines, streamed from the API, with the figures a person checks after.

    It owns the client: the IO manager drains `lines()` while writing, then the client closes.
    """

    def __init__(self, client: GenesysClient, partition_key: str, start: datetime, end: datetime, redact: bool) -> None:
        self._client, self._partition_key, self._redact = client, partition_key, redact
        self._start, self._end = start, end
        self._conversations = 0

    def lines(self) -> Iterator[bytes]:
        """Each details-query page of the window as one line of JSON, redacted when asked."""
        encoder = msgspec.json.Encoder()
        with self._client, failing_for_partition(self._partition_key):
            for page in self._client.iter_conversation_detail_pages(self._start, self._end):
                self._conversations += len(page.get("conversations") or ())
                yield encoder.encode(redact_page(page) if self._redact else page)

    def summary(self) -> dict[str, int]:
        """Conversations received and API requests sent (token and retries included)."""
        return {"conversations_received": self._conversations, "api_requests": self._client.request_count}


@dg.asset(
    partitions_def=hourly_partitions,
    pool="genesys_api",
    group_name=GROUP_NAME,
    owners=OWNERS,
    kinds={"genesys", "json"},
    description=(
        "Conversation details-query pages for one UTC hour, one response page per line "
        "(pages.jsonl.zst), personal fields redacted, with the wrap-up code catalog at export time."
    ),
)
def raw_conversation_pages(
    context: dg.AssetExecutionContext, config: RawPagesConfig, genesys: GenesysCloudResource
) -> RawPagesOutput:
    start, end = utc_window(context)
    client = genesys.get_client()
    with failing_for_partition(context.partition_key):
        codes = client.list_wrapup_codes("ActiveAndDeleted")
    context.log.info(f"Exporting {start.isoformat()} to {end.isoformat()}; catalog has {len(codes)} wrap-up codes")
    if not config.redact_personal_data:
        context.log.warning("Personal fields are stored unredacted in the raw pages (redact_personal_data=false)")
    export = PageExport(client, context.partition_key, start, end, config.redact_personal_data)
    return RawPagesOutput(
        pages=export.lines(),
        sidecar_files={CATALOG_SNAPSHOT_NAME: encode_catalog_snapshot(codes, datetime.now(UTC))},
        summary=export.summary,
    )
