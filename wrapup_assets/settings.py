"""Every setting of a deployment, read from the environment once and validated before any API call.

`load_settings()` is the one place that reads `GENESYS_*` and `WRAPUP_*` variables (the emulator's
own `WRAPUP_EMULATOR_*` knobs excepted). It parses each variable once into a typed `Settings`, and
a bad or incomplete combination fails the code location's load with one message that names every
variable to fix and how, so nothing runs, and no API call is made, on settings that cannot work.

Secrets are checked for presence only: their values stay in the environment, and the resources
read them through `dg.EnvVar` at run start, so they never enter Dagster's definitions or storage.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from wrapup_assets.genesys.errors import GenesysSettingsError
from wrapup_assets.genesys.regions import GenesysEndpoints, endpoints_for_region, endpoints_from_urls
from wrapup_assets.genesys.resource import TUNING_VARIABLES
from wrapup_assets.lake.crash_points import LakeTestPoints
from wrapup_assets.lake.errors import LakeSettingsError
from wrapup_assets.lake.location import DEFAULT_LAKE_URL, LAKE_URL_ENV_VAR, check_lake_url

REGION = "GENESYS_REGION"
API_URL = "GENESYS_API_URL"
LOGIN_URL = "GENESYS_LOGIN_URL"
CLIENT_ID = "GENESYS_CLIENT_ID"
CLIENT_SECRET = "GENESYS_CLIENT_SECRET"
CONNECTION_VARIABLES = (REGION, API_URL, LOGIN_URL, CLIENT_ID, CLIENT_SECRET)
START_DATE_VARIABLE = "WRAPUP_START_DATE"
SETTLE_MINUTES_VARIABLE = "WRAPUP_SETTLE_MINUTES"
CATCH_UP_RUNS_PER_TICK_VARIABLE = "WRAPUP_CATCH_UP_RUNS_PER_TICK"
AUTOMATION_VARIABLE = "WRAPUP_AUTOMATION"
BACKFILL_HOURS_VARIABLE = "WRAPUP_BACKFILL_HOURS_PER_RUN"
DEFAULT_BACKFILL_HOURS_PER_RUN = 168
MAX_BACKFILL_HOURS_PER_RUN = 31 * 24

DEFAULT_START_DATE = "2024-01-01"
DEFAULT_SETTLE_MINUTES = 120
DEFAULT_CATCH_UP_RUNS_PER_TICK = 4

HOW_TO_CONNECT = (
    f"set {REGION} (e.g. mypurecloud.ie) or {API_URL} + {LOGIN_URL} (e.g. https://api.mypurecloud.ie and "
    f"https://login.mypurecloud.ie), together with {CLIENT_ID} and {CLIENT_SECRET}; "
    "or unset every GENESYS_* variable to run on the embedded emulator"
)


class SettingsError(ValueError):
    """One or more settings cannot work; the message names each variable and the fix."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"wrapup-assets cannot start, fix these settings:\n{lines}")


class GenesysConnection(StrEnum):
    """Where the Genesys resource connects."""

    EMULATOR = "emulator"
    """No GENESYS_* connection variable is set: each run starts the embedded emulator."""
    REGION = "region"
    URLS = "urls"


@dataclass(frozen=True)
class GenesysTuning:
    """Optional knobs of the Genesys client; the values name the resource fields they set."""

    requests_per_minute: int | None = None
    page_size: int | None = None
    jobs_page_size: int | None = None
    max_attempts: int | None = None
    retry_backoff_seconds: float | None = None
    read_timeout_seconds: float | None = None
    ca_bundle: str | None = None

    def resource_fields(self) -> dict[str, Any]:
        """The set knobs, as keyword arguments of `GenesysCloudResource`."""
        return {name: value for name, value in self.__dict__.items() if value is not None}


@dataclass(frozen=True)
class GenesysSettings:
    """How to reach Genesys: the connection kind, the endpoints it resolved to, and the tuning."""

    connection: GenesysConnection
    endpoints: GenesysEndpoints | None = None
    tuning: GenesysTuning = field(default_factory=GenesysTuning)

    @property
    def real_org(self) -> bool:
        """Whether runs talk to a Genesys Cloud org (not an emulator on loopback)."""
        return self.connection is not GenesysConnection.EMULATOR and not serves_synthetic_data(self.endpoints)


class AutomationStart(StrEnum):
    """Whether the API-calling schedules and the catch-up sensor start running on their own."""

    RUNNING = "running"
    STOPPED = "stopped"


@dataclass(frozen=True)
class AutomationSettings:
    """What the schedules and sensors need to know about the deployment."""

    settle_delay: timedelta = timedelta(minutes=DEFAULT_SETTLE_MINUTES)
    """An hour is exported only once it ended at least this long ago: Genesys finishes
    conversations and wrap-ups late, so "now" would miss rows."""
    catch_up_runs_per_tick: int = DEFAULT_CATCH_UP_RUNS_PER_TICK
    """The most hourly runs one catch-up tick requests, so a long outage refills at a steady pace."""
    start: AutomationStart = AutomationStart.STOPPED


@dataclass(frozen=True)
class Settings:
    """The deployment's settings, each parsed and validated once."""

    genesys: GenesysSettings
    lake_url: str
    """WRAPUP_LAKE_URL as given (checked), or the default local lake made absolute."""
    lake_url_from_environment: bool
    start_date: datetime
    automation: AutomationSettings
    backfill_hours_per_run: int = DEFAULT_BACKFILL_HOURS_PER_RUN
    """Hours of history one backfill run covers (raw pages and records together), a week by default."""
    lake_test_points: LakeTestPoints | None = None
    """Kill or pause points of the lake's crash and concurrency tests (never set outside them)."""


def serves_synthetic_data(endpoints: GenesysEndpoints | None) -> bool:
    """Genesys Cloud is only served over https: a plain-http (loopback) API is an emulator."""
    return endpoints is not None and endpoints.api_url.startswith("http://")


def settings_from_environment(environ: Mapping[str, str]) -> Settings:
    """Every setting from `environ`; `SettingsError` listing every problem at once."""
    problems: list[str] = []

    def attempt(parse: Callable[[], Any], default: Any) -> Any:
        try:
            return parse()
        except (GenesysSettingsError, LakeSettingsError, ValueError) as error:
            problems.append(str(error))
            return default

    genesys = attempt(lambda: _genesys_settings(environ), GenesysSettings(GenesysConnection.EMULATOR))
    lake_text = _text(environ, LAKE_URL_ENV_VAR)
    lake_url = attempt(lambda: check_lake_url(lake_text), "") if lake_text else _default_lake_url()
    start_date = attempt(lambda: _start_date(environ), datetime(2024, 1, 1, tzinfo=UTC))
    automation = attempt(lambda: _automation_settings(environ, real_org=genesys.real_org), AutomationSettings())
    backfill_hours = attempt(lambda: _backfill_hours(environ), DEFAULT_BACKFILL_HOURS_PER_RUN)
    if problems:
        raise SettingsError(problems)
    return Settings(
        genesys=genesys,
        lake_url=lake_url,
        lake_url_from_environment=bool(lake_text),
        start_date=start_date,
        automation=automation,
        backfill_hours_per_run=backfill_hours,
        lake_test_points=LakeTestPoints.from_variables(environ),
    )


@functools.cache
def load_settings() -> Settings:
    """This process's settings, read from its environment the first time they are asked for."""
    return settings_from_environment(os.environ)


def _text(environ: Mapping[str, str], variable: str) -> str:
    return (environ.get(variable) or "").strip()


def _default_lake_url() -> str:
    return os.path.abspath(DEFAULT_LAKE_URL)


def _genesys_settings(environ: Mapping[str, str]) -> GenesysSettings:
    tuning = _genesys_tuning(environ)
    configured = {name for name in CONNECTION_VARIABLES if _text(environ, name)}
    if not configured:
        return GenesysSettings(GenesysConnection.EMULATOR, tuning=tuning)
    missing = [name for name in (CLIENT_ID, CLIENT_SECRET) if name not in configured]
    region, api_url, login_url = (_text(environ, name) for name in (REGION, API_URL, LOGIN_URL))
    if region and (api_url or login_url):
        raise GenesysSettingsError(
            f"both {REGION} and {API_URL}/{LOGIN_URL} are set: keep one way to name the endpoints; {HOW_TO_CONNECT}"
        )
    if not region:
        if not api_url and not login_url:
            missing.insert(0, f"{REGION} (or {API_URL} + {LOGIN_URL})")
        else:
            missing[:0] = [name for name, value in ((API_URL, api_url), (LOGIN_URL, login_url)) if not value]
    if missing:
        raise GenesysSettingsError(
            f"Genesys connection incomplete: {', '.join(missing)} not set (found {', '.join(sorted(configured))}); "
            f"{HOW_TO_CONNECT}"
        )
    if region:
        return GenesysSettings(GenesysConnection.REGION, endpoints_for_region(region), tuning)
    return GenesysSettings(GenesysConnection.URLS, endpoints_from_urls(api_url, login_url), tuning)


def _genesys_tuning(environ: Mapping[str, str]) -> GenesysTuning:
    values: dict[str, Any] = {}
    for variable, (name, kind) in TUNING_VARIABLES.items():
        text = _text(environ, variable)
        if not text:
            continue
        if kind is str:
            if not os.path.exists(text):
                raise GenesysSettingsError(f"{variable} names a file that does not exist: {text!r}")
            values[name] = text
            continue
        try:
            value = kind(text)
        except ValueError:
            noun = "an integer" if kind is int else "a number"
            raise GenesysSettingsError(f"{variable} must be {noun}, got {text!r}") from None
        if value <= 0:
            raise GenesysSettingsError(f"{variable} must be positive, got {text!r}")
        values[name] = value
    return GenesysTuning(**values)


def _start_date(environ: Mapping[str, str]) -> datetime:
    raw = _text(environ, START_DATE_VARIABLE) or DEFAULT_START_DATE
    try:
        start = datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"{START_DATE_VARIABLE}={raw!r} is not a date in the form YYYY-MM-DD (UTC)") from None
    if start > datetime.now(UTC):
        raise ValueError(f"{START_DATE_VARIABLE}={raw!r} is in the future")
    return start


def _automation_settings(environ: Mapping[str, str], *, real_org: bool) -> AutomationSettings:
    """`WRAPUP_AUTOMATION` defaults to `running` against a real org (keeping the lake current with
    nobody watching is the point) and to `stopped` on an emulator (where it would fill the disk
    with synthetic data from the start date on without anyone asking)."""
    default_start = AutomationStart.RUNNING if real_org else AutomationStart.STOPPED
    raw_start = (_text(environ, AUTOMATION_VARIABLE) or default_start.value).lower()
    try:
        start = AutomationStart(raw_start)
    except ValueError:
        raise ValueError(
            f"{AUTOMATION_VARIABLE}={raw_start!r} must be one of: {', '.join(s.value for s in AutomationStart)}"
        ) from None
    return AutomationSettings(
        settle_delay=timedelta(
            minutes=_whole_number(environ, SETTLE_MINUTES_VARIABLE, DEFAULT_SETTLE_MINUTES, minimum=0)
        ),
        catch_up_runs_per_tick=_whole_number(
            environ, CATCH_UP_RUNS_PER_TICK_VARIABLE, DEFAULT_CATCH_UP_RUNS_PER_TICK, minimum=1
        ),
        start=start,
    )


def _backfill_hours(environ: Mapping[str, str]) -> int:
    hours = _whole_number(environ, BACKFILL_HOURS_VARIABLE, DEFAULT_BACKFILL_HOURS_PER_RUN, minimum=1)
    if hours > MAX_BACKFILL_HOURS_PER_RUN:
        raise ValueError(
            f"{BACKFILL_HOURS_VARIABLE}={hours} is more than {MAX_BACKFILL_HOURS_PER_RUN} (31 days, the longest "
            f"details job); the default is {DEFAULT_BACKFILL_HOURS_PER_RUN} (a week)"
        )
    return hours


def _whole_number(environ: Mapping[str, str], variable: str, default: int, *, minimum: int) -> int:
    raw = _text(environ, variable)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{variable}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ValueError(f"{variable}={value} must be at least {minimum}")
    return value
