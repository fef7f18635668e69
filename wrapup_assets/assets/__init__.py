"""The exporter's assets, in data-flow order: Genesys -> raw pages -> records -> daily; and the catalog."""

from wrapup_assets.assets.codes import wrapup_codes
from wrapup_assets.assets.daily import wrapup_daily
from wrapup_assets.assets.freshness import newest_hour_fresh
from wrapup_assets.assets.raw_pages import raw_conversation_pages
from wrapup_assets.assets.records import wrapup_records

ALL_CHECKS_OF_ASSETS = [newest_hour_fresh]
ALL_ASSETS = [raw_conversation_pages, wrapup_records, wrapup_daily, wrapup_codes]
