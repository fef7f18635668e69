"""The asset keys, defined once: each is also its dataset's folder in the lake (a public contract)."""

import dagster as dg

RAW_PAGES = "raw_conversation_pages"
RECORDS = "wrapup_records"
QUARANTINE = "wrapup_records_quarantine"
DAILY = "wrapup_daily"
CODES = "wrapup_codes"

RAW_PAGES_KEY = dg.AssetKey(RAW_PAGES)
RECORDS_KEY = dg.AssetKey(RECORDS)
QUARANTINE_KEY = dg.AssetKey(QUARANTINE)
DAILY_KEY = dg.AssetKey(DAILY)
CODES_KEY = dg.AssetKey(CODES)
