"""The conversations a details query or job matched, in answer order, and their JSON by position.

Runs of conversations from hours whose conversations have all ended point into the rendered hour
(JSON encoded once, ever); runs from other hours hold plans, rendered at the request's clock.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass

from wrapup_assets.emulator.conversation_json import conversation_json
from wrapup_assets.emulator.model import ConversationPlan
from wrapup_assets.emulator.rendered_hours import RenderedHour
from wrapup_assets.emulator.rendering import render_conversation


@dataclass(frozen=True)
class RenderedRun:
    """Positions in a rendered hour (ended conversations: their JSON does not depend on the clock)."""

    hour: RenderedHour
    positions: array

    def __len__(self) -> int:
        return len(self.positions)

    def window(self, first: int, stop: int) -> RenderedRun:
        return RenderedRun(self.hour, self.positions[first:stop])

    def reversed(self) -> RenderedRun:
        return RenderedRun(self.hour, self.positions[::-1])

    def conversations_json(self, now_ms: int) -> list[bytes]:
        return self.hour.conversations_json(self.positions)


@dataclass(frozen=True)
class PlannedRun:
    """Plans of an hour that may still have open conversations: rendered at each request's clock."""

    plans: tuple[ConversationPlan, ...]

    def __len__(self) -> int:
        return len(self.plans)

    def window(self, first: int, stop: int) -> PlannedRun:
        return PlannedRun(self.plans[first:stop])

    def reversed(self) -> PlannedRun:
        return PlannedRun(self.plans[::-1])

    def conversations_json(self, now_ms: int) -> list[bytes]:
        return [conversation_json(render_conversation(plan, now_ms)) for plan in self.plans]


Run = RenderedRun | PlannedRun


class Matching:
    """An ordered sequence of matched conversations, sliced by position like the list it replaces."""

    def __init__(self, runs: Sequence[Run]) -> None:
        self._runs = tuple(run for run in runs if len(run))
        self._length = sum(len(run) for run in self._runs)

    def __len__(self) -> int:
        return self._length

    def reversed(self) -> Matching:
        """The same conversations, last first."""
        return Matching([run.reversed() for run in reversed(self._runs)])

    def head(self, limit: int | None) -> Matching:
        """The first `limit` conversations (all of them when None)."""
        return self if limit is None else self._window(0, limit)

    def conversations_json(self, first: int, stop: int, now_ms: int) -> list[bytes]:
        """The JSON of conversations [first, stop) as the API shows them at `now_ms`."""
        return [encoded for run in self._window(first, stop)._runs for encoded in run.conversations_json(now_ms)]

    def _window(self, first: int, stop: int) -> Matching:
        runs: list[Run] = []
        run_first = 0
        for run in self._runs:
            run_stop = run_first + len(run)
            if run_stop > first and run_first < stop:
                runs.append(run.window(max(first - run_first, 0), min(stop, run_stop) - run_first))
            run_first = run_stop
        return Matching(runs)
