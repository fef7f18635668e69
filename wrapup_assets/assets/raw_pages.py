"""`raw_conversation_pages`: the details-query pages of an hour, as Genesys sent them.

Kept for replay and audit: `wrapup_records` is rebuilt from this partition alone. Pages stream
from the API straight into the compressed file (never a whole hour in memory). Personal fields are
redacted before they touch disk unless the run config says otherwise.
"""

from collections.abc import Iterator
from datetime import UTC, datetime

import dagster as dg
import msgspec

from wrapup_assets.assets.catalog_snapshot import CATALOG_SNAPSHOT_NAME, encode_catalog_snapshot
from wrapup_assets.assets.metadata import GROUP_NAME, OWNERS
from wrapup_assets.genesys.client import GenesysClient
from wrapup_assets.genesys.resource import GenesysCloudResource
from wrapup_assets.lake.payloads import RawPagesOutput
from wrapup_assets.partitions import hourly_partitions, utc_window
from wrapup_assets.records.redact import redact_page


class RawPagesConfig(dg.Config):
    """Run settings of the raw export."""

    redact_personal_data: bool = True
    """Replace ani, dnis, addresses, names, notes and attributes in the stored pages (on by default)."""


class PageExport:
    """The hour's pages as JSON lines, streamed from the API, with the figures a person checks after.

    It owns the client: the IO manager drains `lines()` while writing, then the client closes.
    """

    def __init__(self, client: GenesysClient, start: datetime, end: datetime, redact: bool) -> None:
        self._client, self._start, self._end, self._redact = client, start, end, redact
        self._conversations = 0

    def lines(self) -> Iterator[bytes]:
        """Each details-query page of the window as one line of JSON, redacted when asked."""
        encoder = msgspec.json.Encoder()
        with self._client:
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
    codes = client.list_wrapup_codes("ActiveAndDeleted")
    context.log.info(f"Exporting {start.isoformat()} to {end.isoformat()}; catalog has {len(codes)} wrap-up codes")
    if not config.redact_personal_data:
        context.log.warning("Personal fields are stored unredacted in the raw pages (redact_personal_data=false)")
    export = PageExport(client, start, end, config.redact_personal_data)
    return RawPagesOutput(
        pages=export.lines(),
        sidecar_files={CATALOG_SNAPSHOT_NAME: encode_catalog_snapshot(codes, datetime.now(UTC))},
        summary=export.summary,
    )
