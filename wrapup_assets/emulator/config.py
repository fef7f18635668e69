"""Settings of one emulator instance."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from wrapup_assets.emulator.faults import RETRYABLE_FAULT_NAMES, faults_named


@dataclass(frozen=True)
class EmulatorConfig:
    """What a test or the demo can tune: data volume and seed, credentials, token life, quota, clock,
    the details query's result cap and random faults.

    `now` pins the emulator clock so that "open" conversations and the jobs availability date are
    reproducible; None follows the real clock. `pagination_result_cap` is Genesys' 100,000-result
    limit, lowered in tests to hit it with a small volume. `fault_rate` is the share of requests
    that get one of `fault_kinds` (names from `FAULTS_BY_NAME`), drawn from `fault_seed`.
    `render_cache_dir` is where hours whose conversations have all ended are kept rendered (see
    `rendered_hours`); None reads WRAPUP_EMULATOR_CACHE_DIR, else a directory under temp.
    """

    seed: int = 7
    conversations_per_hour: int = 120
    client_id: str = "emulator-client"
    client_secret: str = "emulator-secret"
    token_ttl_seconds: int = 86399
    requests_per_minute: int | None = None
    now: datetime | None = None
    jobs_availability_lag: timedelta = timedelta(hours=26)
    pagination_result_cap: int = 100_000
    fault_rate: float = 0.0
    fault_kinds: tuple[str, ...] = RETRYABLE_FAULT_NAMES
    fault_seed: int = 0
    render_cache_dir: str | None = None

    def __post_init__(self) -> None:
        if self.now is not None and self.now.utcoffset() is None:
            raise ValueError(f"EmulatorConfig.now must be timezone-aware (UTC), got {self.now!r}")
        if self.conversations_per_hour < 1:
            raise ValueError(
                f"EmulatorConfig.conversations_per_hour must be at least 1, got {self.conversations_per_hour}"
            )
        if self.pagination_result_cap < 1:
            raise ValueError(
                f"EmulatorConfig.pagination_result_cap must be at least 1, got {self.pagination_result_cap}"
            )
        if not 0.0 <= self.fault_rate <= 1.0:
            raise ValueError(f"EmulatorConfig.fault_rate must be between 0 and 1, got {self.fault_rate}")
        faults_named(self.fault_kinds)  # an unknown name fails here, listing the valid ones


FAULT_RATE_VARIABLE = "WRAPUP_EMULATOR_FAULT_RATE"
FAULT_KINDS_VARIABLE = "WRAPUP_EMULATOR_FAULT_KINDS"
FAULT_SEED_VARIABLE = "WRAPUP_EMULATOR_FAULT_SEED"


def embedded_config_from_environment(environ: Mapping[str, str] = os.environ) -> EmulatorConfig:
    """The embedded emulator's settings: the defaults, plus random faults when
    WRAPUP_EMULATOR_FAULT_RATE is set (a share of requests, e.g. 0.05), of the comma-separated
    WRAPUP_EMULATOR_FAULT_KINDS (default: every retryable kind), seeded by WRAPUP_EMULATOR_FAULT_SEED.

    Lets `make dev` show how runs ride out throttling and outages; a real org never reads these.
    """
    rate_text = environ.get(FAULT_RATE_VARIABLE, "").strip()
    if not rate_text:
        return EmulatorConfig()
    kinds_text = environ.get(FAULT_KINDS_VARIABLE, "").strip()
    seed_text = environ.get(FAULT_SEED_VARIABLE, "").strip() or "0"
    try:
        rate, seed = float(rate_text), int(seed_text)
    except ValueError:
        raise ValueError(
            f"{FAULT_RATE_VARIABLE} must be a number between 0 and 1 and {FAULT_SEED_VARIABLE} an integer, "
            f"got {rate_text!r} and {seed_text!r}"
        ) from None
    kinds = tuple(name.strip() for name in kinds_text.split(",") if name.strip()) or RETRYABLE_FAULT_NAMES
    return EmulatorConfig(fault_rate=rate, fault_kinds=kinds, fault_seed=seed)
