"""The emulator's data as of its clock: which conversations exist, and the catalog labels."""

from __future__ import annotations

from datetime import UTC, datetime

from wrapup_assets.emulator.config import EmulatorConfig
from wrapup_assets.emulator.generator import plan_hour
from wrapup_assets.emulator.instants import HOUR_MS, floor_to, to_ms
from wrapup_assets.emulator.model import ConversationPlan
from wrapup_assets.emulator.organization import Organization, organization_for_seed
from wrapup_assets.emulator.rendered_hours import RenderedHours, cache_directory


class ConversationSource:
    """Answers "which conversations exist between two instants" for one configuration.

    Conversations that start after the clock do not exist yet; plans come from the cached
    per-hour generator, so reading a day twice costs the generation once. Hours whose
    conversations have all ended are also kept rendered (`rendered_hours`), which is how the
    details endpoints serve them.
    """

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.rendered_hours = RenderedHours(
            cache_directory(config.render_cache_dir), config.seed, config.conversations_per_hour
        )

    def now_ms(self) -> int:
        """The emulator clock: the configured instant, else the real clock."""
        return to_ms(self.config.now or datetime.now(UTC))

    @property
    def organization(self) -> Organization:
        """Divisions, queues, agents and codes of the seed."""
        return organization_for_seed(self.config.seed)

    def started_between(self, start_ms: int, end_ms: int, now_ms: int) -> list[ConversationPlan]:
        """Conversations with start in [start_ms, end_ms) that exist at `now_ms`, ordered by (start, id)."""
        found: list[ConversationPlan] = []
        hour_ms = floor_to(start_ms, HOUR_MS)
        last_hour_ms = min(end_ms - 1, now_ms)
        while hour_ms <= last_hour_ms:
            found.extend(
                plan
                for plan in plan_hour(self.config.seed, self.config.conversations_per_hour, hour_ms)
                if start_ms <= plan.start_ms < end_ms and plan.start_ms <= now_ms
            )
            hour_ms += HOUR_MS
        return found

    def code_labels(self) -> dict[str, str]:
        """Code id -> name of the current catalog, deleted codes included under their last name."""
        return {code.code_id: code.name for code in self.organization.codes}
