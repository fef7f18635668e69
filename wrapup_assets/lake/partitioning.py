"""Which directory a partition lives in: the Hive layout shared by DuckDB, Athena, Spark and pyarrow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

Grain = Literal["hour", "day", "none"]

_GRAIN_BY_WINDOW: dict[timedelta, Grain] = {timedelta(hours=1): "hour", timedelta(days=1): "day"}
# Dagster's partition key formats for HourlyPartitionsDefinition / DailyPartitionsDefinition.
_KEY_FORMAT: dict[Grain, str] = {"hour": "%Y-%m-%d-%H:%M", "day": "%Y-%m-%d"}


@dataclass(frozen=True)
class LakePartition:
    """One partition of one dataset: a UTC hour, a UTC day, or the whole (unpartitioned) dataset."""

    dataset: str
    start: datetime | None
    grain: Grain

    def __post_init__(self) -> None:
        if not self.dataset or "/" in self.dataset or self.dataset.startswith("_"):
            raise ValueError(f"dataset name {self.dataset!r} must be non-empty, without '/' or a leading '_'")
        if (self.grain == "none") != (self.start is None):
            raise ValueError(f"{self.dataset}: grain {self.grain!r} does not fit start {self.start!r}")
        if self.start is None:
            return
        if self.start.tzinfo is None or self.start.utcoffset() != timedelta(0):
            raise ValueError(f"{self.dataset}: partition start {self.start!r} must be a UTC datetime")
        # Normalise any UTC-equivalent tzinfo (pendulum, zoneinfo) so equal partitions compare equal.
        start = self.start.astimezone(UTC)
        misaligned = start.minute or start.second or start.microsecond or (self.grain == "day" and start.hour)
        if misaligned:
            raise ValueError(f"{self.dataset}: {start.isoformat()} is not the start of a UTC {self.grain}")
        object.__setattr__(self, "start", start)

    @classmethod
    def from_time_window(cls, dataset: str, start: datetime, end: datetime) -> LakePartition:
        """The partition for a Dagster time window; the window's length decides hour or day."""
        grain = _GRAIN_BY_WINDOW.get(end - start)
        if grain is None:
            raise ValueError(
                f"{dataset}: time window {start.isoformat()} to {end.isoformat()} is neither one hour "
                f"nor one day; the lake stores hourly or daily partitions only"
            )
        return cls(dataset=dataset, start=start, grain=grain)

    @classmethod
    def unpartitioned(cls, dataset: str) -> LakePartition:
        """The single 'partition' of a dataset that Dagster does not partition (e.g. wrapup_codes)."""
        return cls(dataset=dataset, start=None, grain="none")

    @property
    def relative_dir(self) -> str:
        """The directory under the lake root, with two-digit Hive values so every engine parses it."""
        if self.start is None:
            return self.dataset
        day_dir = f"{self.dataset}/year={self.start:%Y}/month={self.start:%m}/day={self.start:%d}"
        return f"{day_dir}/hour={self.start:%H}" if self.grain == "hour" else day_dir

    @property
    def key(self) -> str | None:
        """The Dagster partition key, so manifests and errors speak the UI's language."""
        return None if self.start is None else self.start.strftime(_KEY_FORMAT[self.grain])

    @property
    def staging_id(self) -> str:
        """A file-name-safe partition id for staging directories (no ':' in S3 keys or paths)."""
        if self.start is None:
            return "unpartitioned"
        return self.start.strftime("%Y-%m-%dT%H" if self.grain == "hour" else "%Y-%m-%d")
