"""The exporter's assets, in data-flow order: Genesys -> raw pages -> records -> daily -> summary; and the
histories (catalog, queues, users, divisions) with the queues' offered codes."""

from wrapup_assets.assets.codes import wrapup_codes
from wrapup_assets.assets.daily import wrapup_daily
from wrapup_assets.assets.dimensions import genesys_divisions, genesys_queues, genesys_users, queue_wrapup_codes
from wrapup_assets.assets.freshness import newest_hour_fresh
from wrapup_assets.assets.raw_pages import raw_conversation_pages
from wrapup_assets.assets.records import wrapup_records
from wrapup_assets.assets.summary import wrapup_summary_daily

ALL_CHECKS_OF_ASSETS = [newest_hour_fresh]
ALL_ASSETS = [
    raw_conversation_pages,
    wrapup_records,
    wrapup_daily,
    wrapup_codes,
    genesys_queues,
    genesys_users,
    genesys_divisions,
    queue_wrapup_codes,
    wrapup_summary_daily,
]
