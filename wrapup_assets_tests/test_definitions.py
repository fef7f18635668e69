"""The code location loads, and its asset keys, checks and jobs are the contract's."""

import dagster as dg

from wrapup_assets.definitions import defs


def test_definitions_load():
    dg.Definitions.validate_loadable(defs)


def test_asset_keys_are_the_contract():
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert keys == {"raw_conversation_pages", "wrapup_records", "wrapup_daily", "wrapup_codes"}


def test_records_and_daily_carry_blocking_schema_and_key_checks():
    check_keys = {(key.asset_key.to_user_string(), key.name) for key in defs.resolve_asset_graph().asset_check_keys}
    assert check_keys == {
        ("wrapup_records", "record_schema"),
        ("wrapup_records", "key_unique"),
        ("wrapup_daily", "record_schema"),
        ("wrapup_daily", "key_unique"),
    }


def test_jobs():
    assert {job.name for job in defs.jobs} == {"hourly_ingest_job", "daily_compaction_job", "wrapup_codes_job"}
