"""When `wrapup_daily` for a day is compacted: once all 24 hours exist and one of them is newer than it.

Dagster's `eager()` and `on_cron()` only look at the latest time window (and `on_cron` never fires
when the hours land before its tick, the normal case), so the days that catch-up, backfills or the
restatement refill would never be compacted. This is `eager()` without that restriction: every
day whose hours changed since the day was last requested or materialized, or that became missing,
is requested once all its hours exist and none of them, nor the day, is being materialized.
"""

import dagster as dg

daily_compaction_condition = (
    (dg.AutomationCondition.newly_missing() | dg.AutomationCondition.any_deps_updated()).since_last_handled()
    & ~dg.AutomationCondition.any_deps_missing()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("all 24 hours present and newer than the day")

# The mart follows its day of wrapup_daily the same way; a refresh of the histories it names groups
# from (unpartitioned) must not request every day again, so only wrapup_daily's updates count.
summary_condition = (
    (
        dg.AutomationCondition.newly_missing()
        | dg.AutomationCondition.any_deps_updated().allow(dg.AssetSelection.assets("wrapup_daily"))
    ).since_last_handled()
    & ~dg.AutomationCondition.any_deps_missing()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("its wrapup_daily day present and newer than it")
