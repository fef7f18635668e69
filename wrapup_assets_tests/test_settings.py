"""The deployment's settings: read once, every problem named with its fix before anything runs."""

from datetime import UTC, datetime, timedelta

import pytest

from wrapup_assets.genesys.regions import GenesysEndpoints
from wrapup_assets.settings import (
    AutomationSettings,
    AutomationStart,
    GenesysConnection,
    SettingsError,
    settings_from_environment,
)

CREDENTIALS = {"GENESYS_CLIENT_ID": "id", "GENESYS_CLIENT_SECRET": "s3cret"}
BOTH_WAYS = "set GENESYS_REGION (e.g. mypurecloud.ie) or GENESYS_API_URL + GENESYS_LOGIN_URL"


def problems(environ: dict[str, str]) -> list[str]:
    with pytest.raises(SettingsError) as raised:
        settings_from_environment(environ)
    assert str(raised.value).startswith("wrapup-assets cannot start, fix these settings:\n  - ")
    return raised.value.problems


def test_no_genesys_variable_runs_on_the_emulator_with_automation_stopped():
    settings = settings_from_environment({"PATH": "/bin", "GENESYS_CLIENT_ID": "  "})
    assert settings.genesys.connection is GenesysConnection.EMULATOR
    assert settings.genesys.real_org is False
    assert settings.automation == AutomationSettings(
        settle_delay=timedelta(minutes=120), catch_up_runs_per_tick=4, start=AutomationStart.STOPPED
    )
    assert settings.start_date == datetime(2024, 1, 1, tzinfo=UTC)
    assert settings.lake_url_from_environment is False and settings.lake_url.endswith("/data/lake")


def test_a_region_with_credentials_is_a_real_org_whose_automation_runs():
    settings = settings_from_environment({"GENESYS_REGION": "mypurecloud.ie", **CREDENTIALS})
    assert settings.genesys.connection is GenesysConnection.REGION
    assert settings.genesys.endpoints == GenesysEndpoints("https://api.mypurecloud.ie", "https://login.mypurecloud.ie")
    assert settings.genesys.real_org is True
    assert settings.automation.start is AutomationStart.RUNNING


def test_a_plain_http_loopback_endpoint_is_an_emulator_not_a_real_org():
    environ = {"GENESYS_API_URL": "http://127.0.0.1:8080", "GENESYS_LOGIN_URL": "http://127.0.0.1:8080", **CREDENTIALS}
    settings = settings_from_environment(environ)
    assert settings.genesys.connection is GenesysConnection.URLS
    assert settings.genesys.real_org is False
    assert settings.automation.start is AutomationStart.STOPPED


NO_ENDPOINT = "GENESYS_REGION (or GENESYS_API_URL + GENESYS_LOGIN_URL)"
ID, SECRET, REGION_URL = "GENESYS_CLIENT_ID", "GENESYS_CLIENT_SECRET", "GENESYS_API_URL"


@pytest.mark.parametrize(
    ("environ", "missing", "found"),
    [
        ({ID: "id"}, f"{NO_ENDPOINT}, {SECRET}", ID),
        ({SECRET: "x"}, f"{NO_ENDPOINT}, {ID}", SECRET),
        ({"GENESYS_REGION": "mypurecloud.ie"}, f"{ID}, {SECRET}", "GENESYS_REGION"),
        (
            {REGION_URL: "https://api.mypurecloud.ie", **CREDENTIALS},
            "GENESYS_LOGIN_URL",
            f"{REGION_URL}, {ID}, {SECRET}",
        ),
        (
            {"GENESYS_LOGIN_URL": "https://login.mypurecloud.ie", ID: "id"},
            f"{REGION_URL}, {SECRET}",
            f"{ID}, GENESYS_LOGIN_URL",
        ),
        (CREDENTIALS, NO_ENDPOINT, f"{ID}, {SECRET}"),
    ],
    ids=["only the client id", "only the secret", "only the region", "no login url", "no api url nor secret", "none"],
)
def test_every_incomplete_connection_names_what_is_missing_and_both_ways_to_connect(environ, missing, found):
    (problem,) = problems(environ)
    assert problem == (
        f"Genesys connection incomplete: {missing} not set (found {found}); {BOTH_WAYS} (e.g. "
        "https://api.mypurecloud.ie and https://login.mypurecloud.ie), together with GENESYS_CLIENT_ID and "
        "GENESYS_CLIENT_SECRET; or unset every GENESYS_* variable to run on the embedded emulator"
    )


def test_a_region_and_urls_together_are_refused():
    (problem,) = problems({"GENESYS_REGION": "mypurecloud.ie", "GENESYS_API_URL": "https://x.example", **CREDENTIALS})
    assert problem.startswith("both GENESYS_REGION and GENESYS_API_URL/GENESYS_LOGIN_URL are set: keep one way")


@pytest.mark.parametrize(
    ("lake_url", "problem"),
    [
        ("s3:/my-bucket/lake", "WRAPUP_LAKE_URL='s3:/my-bucket/lake' looks like a URL but is not one (a scheme needs '://')"),
        ("gs://bucket/lake", "WRAPUP_LAKE_URL='gs://bucket/lake' uses an unsupported scheme 'gs'"),
        ("https://example.com/lake", "WRAPUP_LAKE_URL='https://example.com/lake' uses an unsupported scheme 'https'"),
        ("s3:///lake", "WRAPUP_LAKE_URL='s3:///lake' names no bucket"),
    ],
)  # fmt: skip
def test_a_lake_url_that_is_not_a_supported_url_is_refused(lake_url, problem):
    (message,) = problems({"WRAPUP_LAKE_URL": lake_url})
    assert message == f"{problem}; use a local directory path (e.g. ./data/lake) or s3://bucket/prefix"


def test_local_and_s3_lake_urls_are_accepted_as_given():
    assert settings_from_environment({"WRAPUP_LAKE_URL": "s3://bucket/prefix"}).lake_url == "s3://bucket/prefix"
    assert settings_from_environment({"WRAPUP_LAKE_URL": "/srv/lake"}).lake_url == "/srv/lake"


def test_automation_overrides():
    environ = {"WRAPUP_SETTLE_MINUTES": "90", "WRAPUP_CATCH_UP_RUNS_PER_TICK": "10", "WRAPUP_AUTOMATION": "Running"}
    assert settings_from_environment(environ).automation == AutomationSettings(
        settle_delay=timedelta(minutes=90), catch_up_runs_per_tick=10, start=AutomationStart.RUNNING
    )


def test_every_problem_is_named_at_once():
    environ = {
        "GENESYS_REQUESTS_PER_MINUTE": "lots",
        "WRAPUP_LAKE_URL": "gs://b/l",
        "WRAPUP_START_DATE": "2024/01/01",
        "WRAPUP_SETTLE_MINUTES": "two hours",
    }
    assert problems(environ) == [
        "GENESYS_REQUESTS_PER_MINUTE must be an integer, got 'lots'",
        "WRAPUP_LAKE_URL='gs://b/l' uses an unsupported scheme 'gs'; use a local directory path (e.g. ./data/lake) "
        "or s3://bucket/prefix",
        "WRAPUP_START_DATE='2024/01/01' is not a date in the form YYYY-MM-DD (UTC)",
        "WRAPUP_SETTLE_MINUTES='two hours' is not a whole number",
    ]


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"WRAPUP_SETTLE_MINUTES": "-5"}, "WRAPUP_SETTLE_MINUTES=-5 must be at least 0"),
        ({"WRAPUP_CATCH_UP_RUNS_PER_TICK": "0"}, "WRAPUP_CATCH_UP_RUNS_PER_TICK=0 must be at least 1"),
        ({"WRAPUP_AUTOMATION": "on"}, "WRAPUP_AUTOMATION='on' must be one of: running, stopped"),
        ({"WRAPUP_START_DATE": "2999-01-01"}, "WRAPUP_START_DATE='2999-01-01' is in the future"),
        ({"GENESYS_PAGE_SIZE": "0"}, "GENESYS_PAGE_SIZE must be positive, got '0'"),
        ({"GENESYS_CA_BUNDLE": "/none/ca.pem"}, "GENESYS_CA_BUNDLE names a file that does not exist: '/none/ca.pem'"),
        ({"GENESYS_REGION": "moon", **CREDENTIALS}, "GENESYS_REGION 'moon' is not a Genesys Cloud region"),
    ],
)
def test_a_malformed_setting_names_the_variable(environ, message):
    (problem,) = problems(environ)
    assert problem.startswith(message)


def test_backfill_runs_cover_a_week_of_hours_unless_set():
    assert settings_from_environment({}).backfill_hours_per_run == 168
    assert settings_from_environment({"WRAPUP_BACKFILL_HOURS_PER_RUN": "48"}).backfill_hours_per_run == 48


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("a week", "WRAPUP_BACKFILL_HOURS_PER_RUN='a week' is not a whole number"),
        ("0", "WRAPUP_BACKFILL_HOURS_PER_RUN=0 must be at least 1"),
        (
            "745",
            "WRAPUP_BACKFILL_HOURS_PER_RUN=745 is more than 744 (31 days, the longest details job); "
            "the default is 168 (a week)",
        ),
    ],
)
def test_a_backfill_run_size_out_of_range_is_refused_naming_the_variable(value, problem):
    assert problems({"WRAPUP_BACKFILL_HOURS_PER_RUN": value}) == [problem]
