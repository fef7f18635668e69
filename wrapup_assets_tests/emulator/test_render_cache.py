"""Pages served from rendered hours are byte for byte the pages rendered from plans at the clock,
and a rendered hour is planned and rendered once, whoever asks for it and from which process."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from wrapup_assets.emulator import EmulatorConfig, Fault, GenesysEmulator, rendered_hours
from wrapup_assets.emulator.generator import plan_hour
from wrapup_assets.emulator.instants import DAY_MS, HOUR_MS, floor_to, from_ms, iso_ms, parse_interval, to_ms
from wrapup_assets.emulator.rendered_hours import RenderedHour, hour_path, write_hour
from wrapup_assets.emulator.rendering import render_conversation, with_unknown_and_missing_fields, without_empty
from wrapup_assets_tests.emulator.conftest import DETAILS_QUERY, ApiSession

NOW = datetime(2024, 5, 3, 12, 0, tzinfo=UTC)
# Hours 03:00-08:00 have ended by NOW (served rendered), 09:00-12:00 may not (rendered from plans).
INTERVAL = "2024-05-03T06:00:00.000Z/2024-05-03T12:30:00.000Z"
SETTLED_HOURS = [datetime(2024, 5, 3, hour, tzinfo=UTC) for hour in range(3, 9)]
ENDED = [{"predicates": [{"type": "dimension", "dimension": "conversationEnd", "operator": "exists"}]}]
OPEN = [{"predicates": [{"type": "dimension", "dimension": "conversationEnd", "operator": "notExists"}]}]
JOBS = "/api/v2/analytics/conversations/details/jobs"


def _config(cache_dir: Path) -> EmulatorConfig:
    return EmulatorConfig(
        seed=7,
        conversations_per_hour=40,
        now=NOW,
        render_cache_dir=str(cache_dir),
        jobs_availability_lag=timedelta(hours=1),
    )


def _matching_plans(config: EmulatorConfig, interval: str, descending: bool, states: set[bool], day_start: bool):
    """The matching rule as the emulator applied it to plans before rendered hours existed."""
    start_ms, end_ms = parse_interval(interval)
    now_ms = to_ms(NOW)
    if day_start:
        first_ms, last_ms = floor_to(start_ms, DAY_MS), floor_to(end_ms - 1, DAY_MS) + DAY_MS
    else:
        first_ms, last_ms = start_ms - 3 * HOUR_MS, end_ms
    plans = [
        plan
        for hour_ms in range(floor_to(first_ms, HOUR_MS), min(last_ms, now_ms + 1), HOUR_MS)
        for plan in plan_hour(config.seed, config.conversations_per_hour, hour_ms)
        if first_ms <= plan.start_ms < last_ms
        and plan.start_ms <= now_ms
        and plan.start_ms < end_ms
        and min(plan.end_ms, now_ms) > start_ms
        and (plan.end_ms <= now_ms) in states
    ]
    return plans[::-1] if descending else plans


def _reference_page(
    config: EmulatorConfig,
    *,
    page_number: int,
    page_size: int = 25,
    descending: bool = False,
    states: frozenset[bool] = frozenset({True, False}),
    page_shift: int = 0,
    drift: int = 0,
) -> dict[str, Any]:
    plans = _matching_plans(config, INTERVAL, descending, set(states), day_start=True)
    first = (page_number - 1) * page_size
    if page_number > 1:
        first = max(0, first - page_shift)
    page = [render_conversation(plan, to_ms(NOW)) for plan in plans[first : first + page_size]]
    return without_empty({"conversations": page, "totalHits": max(0, len(plans) + page_shift + drift)})


def _bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def emulator(cache_dir: Path):
    with GenesysEmulator(_config(cache_dir)) as running:
        yield running


def test_pages_are_byte_for_byte_the_rendering_from_plans(emulator: GenesysEmulator, cache_dir: Path) -> None:
    api = ApiSession(emulator)
    config = emulator.config
    cases: list[tuple[dict[str, Any], Fault | None, dict[str, Any]]] = [
        ({"paging": {"pageNumber": 1}}, None, {"page_number": 1}),
        ({"paging": {"pageNumber": 2}}, Fault.page_shift(), {"page_number": 2, "page_shift": 1}),
        ({"paging": {"pageNumber": 3}}, Fault.total_hits_drift(-4), {"page_number": 3, "page_shift": 1, "drift": -4}),
        ({"paging": {"pageNumber": 4, "pageSize": 100}}, None, {"page_number": 4, "page_size": 100, "page_shift": 1}),
        (
            {"order": "desc", "paging": {"pageNumber": 2, "pageSize": 100}},
            None,
            {"page_number": 2, "page_size": 100, "descending": True, "page_shift": 1},
        ),
        (
            {"conversationFilters": ENDED, "paging": {"pageNumber": 2, "pageSize": 100}},
            None,
            {"page_number": 2, "page_size": 100, "states": frozenset({True}), "page_shift": 1},
        ),
        (
            {"conversationFilters": OPEN, "paging": {"pageNumber": 1, "pageSize": 100}},
            None,
            {"page_number": 1, "page_size": 100, "states": frozenset({False}), "page_shift": 1},
        ),
    ]
    for extra, fault, expected in cases:
        if fault is not None:
            emulator.faults.inject(fault)
        response = api.post(DETAILS_QUERY, {"interval": INTERVAL, **extra})
        assert response.status_code == 200
        assert response.content == _bytes(_reference_page(config, **expected)), extra
    emulator.faults.inject(Fault.malformed_conversation())
    malformed = api.post(DETAILS_QUERY, {"interval": INTERVAL, "paging": {"pageNumber": 1}})
    assert malformed.content == _bytes(
        with_unknown_and_missing_fields(_reference_page(config, page_number=1, page_shift=1))
    )
    # The interval mixes both kinds of hours: open conversations rendered at the clock, and rendered hours.
    assert _reference_page(config, page_number=1, page_size=100, states=frozenset({False}))["conversations"]
    assert sorted(path.name for path in cache_dir.rglob("*.arrow")) == [
        f"{hour:%Y-%m-%dT%H}.arrow" for hour in SETTLED_HOURS
    ]


def test_job_results_are_byte_for_byte_the_rendering_from_plans(emulator: GenesysEmulator) -> None:
    api = ApiSession(emulator)
    interval = "2024-05-03T05:00:00.000Z/2024-05-03T11:00:00.000Z"
    job_id = api.post(JOBS, {"interval": interval}).json()["jobId"]
    api.get(f"{JOBS}/{job_id}")
    api.get(f"{JOBS}/{job_id}")
    plans = _matching_plans(emulator.config, interval, False, {True, False}, day_start=False)
    availability = iso_ms(floor_to(to_ms(NOW) - HOUR_MS, HOUR_MS))
    first_page = api.get(f"{JOBS}/{job_id}/results", pageSize=70)
    cursor = first_page.json()["cursor"]
    second_page = api.get(f"{JOBS}/{job_id}/results", pageSize=70, cursor=cursor)
    assert len(plans) > 70
    assert first_page.content == _bytes(
        {
            "conversations": [render_conversation(plan, to_ms(NOW)) for plan in plans[:70]],
            "cursor": cursor,
            "dataAvailabilityDate": availability,
        }
    )
    assert second_page.content == _bytes(
        without_empty(
            {
                "conversations": [render_conversation(plan, to_ms(NOW)) for plan in plans[70:140]],
                "cursor": second_page.json().get("cursor"),
                "dataAvailabilityDate": availability,
            }
        )
    )


def _count_calls(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    """Counts calls of a function rendered_hours uses (one entry per call)."""
    calls: list[int] = []
    original = getattr(rendered_hours, name)

    def counted(*args: Any) -> Any:
        calls.append(1)
        return original(*args)

    monkeypatch.setattr(rendered_hours, name, counted)
    return calls


def test_a_rendered_hour_is_planned_and_rendered_once_for_every_emulator_that_shares_the_directory(
    monkeypatch: pytest.MonkeyPatch, cache_dir: Path
) -> None:
    renders = _count_calls(monkeypatch, "render_conversation")
    plannings = _count_calls(monkeypatch, "generate_hour")
    settled_conversations = sum(len(plan_hour(7, 40, to_ms(hour))) for hour in SETTLED_HOURS)
    with GenesysEmulator(_config(cache_dir)) as first:
        api = ApiSession(first)
        first_page = api.post(DETAILS_QUERY, {"interval": INTERVAL, "paging": {"pageNumber": 1}})
        assert (len(renders), len(plannings)) == (settled_conversations, len(SETTLED_HOURS))
        api.post(DETAILS_QUERY, {"interval": INTERVAL, "paging": {"pageNumber": 2}})
        assert first._selector._matching.cache_info()[:2] == (1, 1)  # (hits, misses): one selection
    with GenesysEmulator(_config(cache_dir)) as second:
        again = ApiSession(second).post(DETAILS_QUERY, {"interval": INTERVAL, "paging": {"pageNumber": 1}})
    assert again.content == first_page.content
    assert (len(renders), len(plannings)) == (settled_conversations, len(SETTLED_HOURS))


def test_emulators_writing_one_directory_at_once_serve_identical_pages(cache_dir: Path) -> None:
    pages: dict[int, bytes] = {}
    with GenesysEmulator(_config(cache_dir)) as first, GenesysEmulator(_config(cache_dir)) as second:
        sessions = [ApiSession(first), ApiSession(second)]

        def page_of(position: int) -> None:
            body = {"interval": INTERVAL, "paging": {"pageNumber": 2, "pageSize": 100}}
            pages[position] = sessions[position].post(DETAILS_QUERY, body).content

        threads = [threading.Thread(target=page_of, args=(position,)) for position in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert pages[0] == pages[1] == _bytes(_reference_page(_config(cache_dir), page_number=2, page_size=100))
    assert sorted(path.name for path in cache_dir.rglob("*") if path.is_file()) == [
        f"{hour:%Y-%m-%dT%H}.arrow" for hour in SETTLED_HOURS
    ]


def test_a_file_written_twice_at_once_is_whole_and_holds_the_hour(cache_dir: Path) -> None:
    hour_ms = to_ms(SETTLED_HOURS[0])
    path = hour_path(cache_dir, 7, 40, hour_ms)
    writers = [threading.Thread(target=write_hour, args=(path, 7, 40, hour_ms)) for _ in range(2)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    plans = plan_hour(7, 40, hour_ms)
    hour = RenderedHour(path)
    assert hour.starts.to_pylist() == [plan.start_ms for plan in plans]
    assert hour.ends.to_pylist() == [plan.end_ms for plan in plans]
    assert hour.conversations_json(range(len(plans))) == [
        _bytes(render_conversation(plan, hour_ms + DAY_MS)) for plan in plans
    ]
    assert [entry.name for entry in path.parent.iterdir()] == [path.name]


def test_iso_ms_is_the_strftime_text_around_day_year_and_epoch_boundaries() -> None:
    instants = [0, -1, 1, 999, DAY_MS - 1, DAY_MS, -DAY_MS, 951_782_399_999, 1_709_164_800_000, 4_102_444_799_999]
    for epoch_ms in instants:
        expected = from_ms(epoch_ms).strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"
        assert iso_ms(epoch_ms) == expected
