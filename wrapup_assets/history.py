"""Loading history from the shell: `wrapup-assets backfill --from DAY --to DAY`.

It sends a running webserver exactly what the UI's "Materialize -> partition range" sends: one asset
backfill of the raw pages, records, quarantine (the days' hours) and `wrapup_daily` (the days). The
daemon then runs it as a few range runs (`assets.range_runs`). Dagster's own `dagster asset
materialize --partition-range` cannot: it runs a range only for single-run backfill policies, i.e.
a year in one run, which the range runs avoid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests

from wrapup_assets.assets.keys import DAILY, QUARANTINE, RAW_PAGES, RECORDS
from wrapup_assets.partitions import PartitionKeyError, day_start

HOURLY_HISTORY_ASSETS = (RAW_PAGES, RECORDS, QUARANTINE)
DAILY_HISTORY_ASSETS = (DAILY,)
REQUEST_TIMEOUT_SECONDS = 60

LAUNCH_BACKFILL = """
mutation LaunchHistory($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on Error { message }
  }
}
"""


class HistoryLaunchError(Exception):
    """The backfill was not launched; the message says why and what to do."""


@dataclass(frozen=True)
class HistoryRange:
    """Whole UTC days, first to last inclusive, as the hourly and daily partition ranges they cover."""

    first_day: str
    last_day: str

    @classmethod
    def of_days(cls, first_day: str, last_day: str, now: datetime | None = None) -> HistoryRange:
        """The range, after checking both keys, their order, and that the last day has ended."""
        try:
            first, last = day_start(first_day), day_start(last_day)
        except PartitionKeyError as error:
            raise HistoryLaunchError(str(error)) from None
        if first > last:
            raise HistoryLaunchError(f"--from {first_day} is after --to {last_day}: give the earlier day first")
        today = (now or datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
        if last >= today:
            raise HistoryLaunchError(
                f"--to {last_day} has not ended yet: history ends at {today - timedelta(days=1):%Y-%m-%d} (UTC); "
                "the schedule and the catch-up sensor fill the hours since"
            )
        return cls(first_day, last_day)

    @property
    def hours(self) -> dict[str, str]:
        return {"start": f"{self.first_day}-00:00", "end": f"{self.last_day}-23:00"}

    @property
    def days(self) -> dict[str, str]:
        return {"start": self.first_day, "end": self.last_day}

    def backfill_params(self) -> dict:
        """`LaunchBackfillParams` of the history backfill, as the UI builds them."""
        ranges = [(name, self.hours) for name in HOURLY_HISTORY_ASSETS]
        ranges += [(name, self.days) for name in DAILY_HISTORY_ASSETS]
        return {
            "partitionsByAssets": [
                {"assetKey": {"path": [name]}, "partitions": {"range": partition_range}}
                for name, partition_range in ranges
            ]
        }


def launch_history_backfill(webserver_url: str, history: HistoryRange) -> str:
    """Launch the backfill on the webserver at `webserver_url`; its id."""
    endpoint = f"{webserver_url.rstrip('/')}/graphql"
    try:
        response = requests.post(
            endpoint,
            json={"query": LAUNCH_BACKFILL, "variables": {"params": history.backfill_params()}},
            timeout=REQUEST_TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        raise HistoryLaunchError(
            f"cannot reach the Dagster webserver at {webserver_url} ({type(error).__name__}): start it "
            "(make dev, or the production webserver and daemon) or pass --webserver URL"
        ) from None
    if response.status_code != 200:
        raise HistoryLaunchError(
            f"the webserver at {webserver_url} answered HTTP {response.status_code} on /graphql: "
            "is it a Dagster webserver? pass --webserver URL"
        )
    body = response.json()
    if body.get("errors"):
        raise HistoryLaunchError(f"the webserver refused the request: {body['errors'][0].get('message')}")
    launched = body["data"]["launchPartitionBackfill"]
    if launched["__typename"] != "LaunchBackfillSuccess":
        raise HistoryLaunchError(
            f"the backfill was not launched ({launched['__typename']}): {launched.get('message', '').strip()}"
        )
    return launched["backfillId"]
