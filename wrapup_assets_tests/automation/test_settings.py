"""Automation settings from the environment: defaults, overrides, and errors that name the variable."""

from datetime import timedelta

import pytest

from wrapup_assets.automation.settings import (
    AutomationSettings,
    AutomationSettingsError,
    AutomationStart,
    automation_settings_from_environment,
)


def test_defaults_run_against_a_real_org_and_stay_stopped_on_the_emulator():
    assert automation_settings_from_environment({}, real_org=True) == AutomationSettings(
        settle_delay=timedelta(minutes=120), catch_up_runs_per_tick=4, start=AutomationStart.RUNNING
    )
    assert automation_settings_from_environment({}, real_org=False).start is AutomationStart.STOPPED


def test_overrides():
    environ = {"WRAPUP_SETTLE_MINUTES": "90", "WRAPUP_CATCH_UP_RUNS_PER_TICK": "10", "WRAPUP_AUTOMATION": "Running"}
    assert automation_settings_from_environment(environ, real_org=False) == AutomationSettings(
        settle_delay=timedelta(minutes=90), catch_up_runs_per_tick=10, start=AutomationStart.RUNNING
    )
    assert automation_settings_from_environment({"WRAPUP_AUTOMATION": "stopped"}, real_org=True).start is (
        AutomationStart.STOPPED
    )


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"WRAPUP_SETTLE_MINUTES": "two hours"}, "WRAPUP_SETTLE_MINUTES='two hours' is not a whole number"),
        ({"WRAPUP_SETTLE_MINUTES": "-5"}, "WRAPUP_SETTLE_MINUTES=-5 must be at least 0"),
        ({"WRAPUP_CATCH_UP_RUNS_PER_TICK": "0"}, "WRAPUP_CATCH_UP_RUNS_PER_TICK=0 must be at least 1"),
        ({"WRAPUP_AUTOMATION": "on"}, "WRAPUP_AUTOMATION='on' must be one of: running, stopped"),
    ],
)
def test_malformed_settings_name_the_variable(environ, message):
    with pytest.raises(AutomationSettingsError) as raised:
        automation_settings_from_environment(environ, real_org=True)
    assert str(raised.value) == message
