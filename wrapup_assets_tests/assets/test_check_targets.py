"""Blocking check results belong to the materialization they validated, as the UI reads them.

Dagster attaches a check result to the latest materialization of its partition at the moment the
result is recorded; results recorded before the asset's output would attach to the previous
version (or to none), and the UI's check partition view would show the hour as "Missing".
"""

import dagster as dg

from wrapup_assets.checks import KEY_CHECK, QUARANTINE_CHECK, SCHEMA_CHECK
from wrapup_assets.emulator import GenesysEmulator
from wrapup_assets_tests.runs import latest_check_verdict, materialize_raw_and_records

HOURS = ("2024-05-01-09:00", "2024-05-01-10:00")
RECORDS = dg.AssetKey("wrapup_records")


def test_each_hours_blocking_checks_target_its_latest_materialization_and_passed(
    emulator: GenesysEmulator, resources: dict, instance: dg.DagsterInstance
) -> None:
    for key in (*HOURS, HOURS[0]):  # the first hour twice: the results follow the newer version
        assert materialize_raw_and_records(key, resources, instance).success

    verdicts = {
        (check, key): latest_check_verdict(instance, dg.AssetCheckKey(RECORDS, check), key)
        for check in (SCHEMA_CHECK, KEY_CHECK, QUARANTINE_CHECK)
        for key in HOURS
    }
    assert verdicts == dict.fromkeys(verdicts, (True, True))
