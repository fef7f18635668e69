from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from wrapup_assets.emulator import EmulatorConfig, GenesysEmulator
from wrapup_assets.emulator.generator import MAX_CONVERSATION_DURATION_MS, PEAK_HOUR_UTC, conversation_count
from wrapup_assets.emulator.instants import HOUR_MS
from wrapup_assets.emulator.organization import DELETED_CODE_NAMES
from wrapup_assets_tests.emulator.conftest import CONFIG

DAY = datetime(2024, 5, 1, tzinfo=UTC)
HOURS = [DAY + timedelta(hours=hour) for hour in range(24)]


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def flatten(conversation: dict[str, Any], labels: dict[str, str]) -> list[dict[str, Any]]:
    """The record contract read straight from the JSON: a second opinion on the oracle."""
    rows = []
    for participant in conversation["participants"]:
        if participant["purpose"] != "agent":
            continue
        for session in participant["sessions"]:
            segments = session["segments"]
            interacts = [segment for segment in segments if segment["segmentType"] == "interact"]
            if not interacts:
                continue
            wrapups = [segment for segment in segments if segment["segmentType"] == "wrapup"]
            codes = [segment["wrapUpCode"] for segment in segments if "wrapUpCode" in segment]
            metrics = session.get("metrics", [])
            handle = [metric["value"] for metric in metrics if metric["name"] == "tHandle"]
            acw = [metric["value"] for metric in metrics if metric["name"] == "tAcw"]
            queue_source = wrapups[-1] if wrapups and "queueId" in wrapups[-1] else interacts[-1]
            rows.append(
                {
                    "interaction_timestamp": parse(conversation["conversationStart"]),
                    "interaction_id": conversation["conversationId"],
                    "session_id": session["sessionId"],
                    "participant_id": participant["participantId"],
                    "agent_id": participant.get("userId"),
                    "queue_id": queue_source.get("queueId"),
                    "media_type": session["mediaType"],
                    "direction": session.get("direction"),
                    "wrap_up_code_id": codes[-1] if codes else None,
                    "wrap_up_code_label": labels.get(codes[-1]) if codes else None,
                    "disposition_code_id": session.get("dispositionName"),
                    "wrap_up_end": parse(wrapups[-1]["segmentEnd"]) if wrapups else None,
                    "conversation_end": parse(conversation["conversationEnd"]),
                    "handle_ms": sum(handle) if handle else None,
                    "acw_ms": sum(acw) if acw else None,
                    "division_id": conversation["divisionIds"][0],
                    "schema_version": 1,
                }
            )
    return rows


@pytest.fixture(scope="module")
def day() -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, str]]:
    emulator = GenesysEmulator(CONFIG)
    conversations = [conversation for hour in HOURS for conversation in emulator.conversations_for_hour(hour)]
    rows = [row for hour in HOURS for row in emulator.expected_records(hour)]
    return conversations, rows, emulator.wrapup_code_labels()


def test_expected_records_match_the_json_flattened_independently(day: Any) -> None:
    conversations, rows, labels = day
    assert rows == [row for conversation in conversations for row in flatten(conversation, labels)]


def test_a_day_has_every_media_type_and_transfers(day: Any) -> None:
    _, rows, _ = day
    assert {row["media_type"] for row in rows} == {"voice", "chat", "email", "message", "callback"}
    rows_per_conversation = Counter(row["interaction_id"] for row in rows)
    assert {2, 3} <= set(rows_per_conversation.values())


def test_a_day_has_conversations_that_never_reach_an_agent(day: Any) -> None:
    conversations, rows, _ = day
    with_rows = {row["interaction_id"] for row in rows}
    without_agent = [c for c in conversations if c["conversationId"] not in with_rows]
    purposes = [{p["purpose"] for p in c["participants"]} for c in without_agent]
    assert {"customer", "acd"} in purposes
    assert {"customer", "ivr"} in purposes


def test_alerted_agent_who_never_answered_yields_no_row(day: Any) -> None:
    conversations, rows, _ = day
    row_sessions = {row["session_id"] for row in rows}
    missed = [
        session["sessionId"]
        for conversation in conversations
        for participant in conversation["participants"]
        if participant["purpose"] == "agent"
        for session in participant["sessions"]
        if all(segment["segmentType"] == "alert" for segment in session["segments"])
    ]
    assert missed and not set(missed) & row_sessions


def test_a_day_has_sessions_without_code_system_literals_and_deleted_codes(day: Any) -> None:
    _, rows, labels = day
    codes = Counter(row["wrap_up_code_id"] for row in rows)
    assert codes[None] > 0
    assert codes["ININ-WRAP-UP-TIMEOUT"] > 0 and codes["ININ-WRAP-UP-SKIPPED"] > 0
    assert all(row["wrap_up_code_label"] is None for row in rows if (row["wrap_up_code_id"] or "").startswith("ININ-"))
    deleted_labels = {row["wrap_up_code_label"] for row in rows} & set(DELETED_CODE_NAMES)
    assert deleted_labels == set(DELETED_CODE_NAMES)


def test_acw_skipped_sessions_have_no_wrapup_and_no_acw(day: Any) -> None:
    conversations, _, _ = day
    skipped = [
        session
        for conversation in conversations
        for participant in conversation["participants"]
        for session in participant["sessions"]
        if session.get("acwSkipped")
    ]
    assert skipped
    assert all("wrapup" not in {s["segmentType"] for s in session["segments"]} for session in skipped)
    assert all("tAcw" not in {m["name"] for m in session["metrics"]} for session in skipped)


def test_dialer_rows_carry_a_disposition_and_some_agents_have_no_user(day: Any) -> None:
    _, rows, _ = day
    dispositions = {row["disposition_code_id"] for row in rows} - {None}
    assert dispositions == {"disposition.classification.callable.live", "disposition.classification.callable.machine"}
    assert all(row["direction"] == "outbound" for row in rows if row["disposition_code_id"])
    assert any(row["agent_id"] is None for row in rows)


def test_every_hour_has_a_conversation_crossing_into_the_next_and_none_lasts_over_the_bound(day: Any) -> None:
    conversations, _, _ = day
    for hour in HOURS:
        started = [c for c in conversations if hour <= parse(c["conversationStart"]) < hour + timedelta(hours=1)]
        assert any(parse(c["conversationEnd"]) > hour + timedelta(hours=1) for c in started)
    longest = max(parse(c["conversationEnd"]) - parse(c["conversationStart"]) for c in conversations)
    assert longest <= timedelta(milliseconds=MAX_CONVERSATION_DURATION_MS)


def test_timestamps_have_millisecond_precision_in_utc(day: Any) -> None:
    conversations, _, _ = day
    assert all(len(c["conversationStart"]) == 24 and c["conversationStart"].endswith("Z") for c in conversations)


def test_volume_peaks_at_the_configured_rate_and_never_drops_below_15_percent() -> None:
    counts = [conversation_count(120, hour * HOUR_MS) for hour in range(24)]
    assert counts[PEAK_HOUR_UTC] == 120
    assert min(counts) >= 18


def test_expected_records_leave_out_open_conversations() -> None:
    emulator = GenesysEmulator(CONFIG)
    last_hour = datetime(2024, 5, 3, 11, tzinfo=UTC)
    conversations = emulator.conversations_for_hour(last_hour)
    open_ids = {c["conversationId"] for c in conversations if "conversationEnd" not in c}
    assert open_ids
    assert not open_ids & {row["interaction_id"] for row in emulator.expected_records(last_hour)}


def test_conversations_after_the_clock_do_not_exist() -> None:
    emulator = GenesysEmulator(CONFIG)
    assert emulator.conversations_for_hour(datetime(2024, 5, 3, 12, tzinfo=UTC)) == []


def test_another_seed_gives_other_conversations() -> None:
    hour = HOURS[9]
    first = GenesysEmulator(CONFIG).expected_records(hour)
    again = GenesysEmulator(CONFIG).expected_records(hour)
    other = GenesysEmulator(EmulatorConfig(seed=8, conversations_per_hour=60, now=CONFIG.now)).expected_records(hour)
    assert first == again
    assert not {row["session_id"] for row in first} & {row["session_id"] for row in other}


def test_hour_start_must_be_on_the_hour() -> None:
    with pytest.raises(ValueError, match="is not the start of a UTC hour"):
        GenesysEmulator(CONFIG).expected_records(datetime(2024, 5, 1, 9, 30, tzinfo=UTC))
