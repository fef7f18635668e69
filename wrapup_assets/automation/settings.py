"""Automation settings from the environment: how long an hour settles, how fast the lake catches up,
and whether the schedules start on their own.

Read once when the code location loads, like the partitions' start date; a malformed value fails
the load with a message naming the variable, before any schedule ticks.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

SETTLE_MINUTES_VARIABLE = "WRAPUP_SETTLE_MINUTES"
CATCH_UP_RUNS_PER_TICK_VARIABLE = "WRAPUP_CATCH_UP_RUNS_PER_TICK"
AUTOMATION_VARIABLE = "WRAPUP_AUTOMATION"
DEFAULT_SETTLE_MINUTES = 120
DEFAULT_CATCH_UP_RUNS_PER_TICK = 4


class AutomationSettingsError(ValueError):
    """An automation setting in the environment is malformed."""


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


def automation_settings_from_environment(
    environ: Mapping[str, str] = os.environ, *, real_org: bool
) -> AutomationSettings:
    """The settings of this deployment.

    `WRAPUP_AUTOMATION` defaults to `running` against a real org (keeping the lake current with
    nobody watching is the point) and to `stopped` on the embedded emulator (where it would fill
    the disk with synthetic data from the start date on without anyone asking).
    """
    default_start = AutomationStart.RUNNING if real_org else AutomationStart.STOPPED
    raw_start = (environ.get(AUTOMATION_VARIABLE) or default_start.value).strip().lower()
    try:
        start = AutomationStart(raw_start)
    except ValueError:
        raise AutomationSettingsError(
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


def _whole_number(environ: Mapping[str, str], variable: str, default: int, *, minimum: int) -> int:
    raw = (environ.get(variable) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise AutomationSettingsError(f"{variable}={raw!r} is not a whole number") from None
    if value < minimum:
        raise AutomationSettingsError(f"{variable}={value} must be at least {minimum}")
    return value
