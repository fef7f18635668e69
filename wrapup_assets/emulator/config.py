"""Settings of one emulator instance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class EmulatorConfig:
    """What a test or the demo can tune: data volume and seed, credentials, token life, quota, clock.

    `now` pins the emulator clock so that "open" conversations and the jobs availability date are
    reproducible; None follows the real clock.
    """

    seed: int = 7
    conversations_per_hour: int = 120
    client_id: str = "emulator-client"
    client_secret: str = "emulator-secret"
    token_ttl_seconds: int = 86399
    requests_per_minute: int | None = None
    now: datetime | None = None
    jobs_availability_lag: timedelta = timedelta(hours=26)

    def __post_init__(self) -> None:
        if self.now is not None and self.now.utcoffset() is None:
            raise ValueError(f"EmulatorConfig.now must be timezone-aware (UTC), got {self.now!r}")
        if self.conversations_per_hour < 1:
            raise ValueError(
                f"EmulatorConfig.conversations_per_hour must be at least 1, got {self.conversations_per_hour}"
            )
