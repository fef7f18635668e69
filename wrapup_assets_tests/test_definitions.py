"""The code location loads, and its asset keys, checks, jobs, schedules and sensors are the contract's."""

import dagster as dg

from wrapup_assets.definitions import defs


def test_definitions_load():
    dg.Definitions.validate_loadable(defs)


def test_asset_keys_are_the_contract():
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert keys == {
        "raw_conversation_pages",
        "wrapup_records",
        "wrapup_records_quarantine",
        "wrapup_daily",
        "wrapup_codes",
        "genesys_queues",
        "genesys_users",
        "genesys_divisions",
        "queue_wrapup_codes",
        "wrapup_summary_daily",
    }


def test_check_keys_are_the_contract():
    check_keys = {(key.asset_key.to_user_string(), key.name) for key in defs.resolve_asset_graph().asset_check_keys}
    assert check_keys == {
        ("wrapup_records", "record_schema"),
        ("wrapup_records", "key_unique"),
        ("wrapup_records", "quarantine_within_threshold"),
        ("wrapup_daily", "record_schema"),
        ("wrapup_daily", "key_unique"),
        ("wrapup_records", "reconciled_with_genesys_aggregates"),
        ("wrapup_records", "newest_hour_fresh"),
        ("wrapup_summary_daily", "key_unique"),
        ("wrapup_summary_daily", "sessions_equal_daily_rows"),
        ("wrapup_summary_daily", "summary_schema"),
    }


def test_jobs():
    assert {job.name for job in defs.jobs} == {
        "hourly_ingest_job",
        "daily_compaction_job",
        "wrapup_codes_job",
        "directory_job",
        "summary_job",
        "freshness_check_job",
    }


def test_schedules_and_sensors():
    assert {schedule.name: schedule.job_name for schedule in defs.schedules} == {
        "hourly_ingest_schedule": "hourly_ingest_job",
        "restatement_schedule": "hourly_ingest_job",
        "freshness_schedule": "freshness_check_job",
        "directory_schedule": "directory_job",
    }
    assert {sensor.name for sensor in defs.sensors} == {"catch_up_sensor", "daily_compaction_sensor", "summary_sensor"}


def test_the_daily_automation_runs_by_default_and_covers_only_wrapup_daily():
    sensor = next(sensor for sensor in defs.sensors if sensor.name == "daily_compaction_sensor")
    assert isinstance(sensor, dg.AutomationConditionSensorDefinition)
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    graph = defs.resolve_asset_graph()
    automated = {key.to_user_string() for key in graph.get_all_asset_keys() if graph.get(key).automation_condition}
    assert automated == {"wrapup_daily", "wrapup_summary_daily"}
