"""Personal data: the emulator's ani, dnis, addresses, participant names and wrap-up notes never
reach the records, and with the default redaction they reach no file of the lake at all."""

from pathlib import Path

import pyarrow as pa
import pytest

from wrapup_assets.emulator import GenesysEmulator
from wrapup_assets.records.redact import PERSONAL_PARTICIPANT_FIELDS, PERSONAL_SESSION_FIELDS
from wrapup_assets_tests.runs import materialize_raw_and_records

from .conftest import HOUR, HOUR_KEY, pipeline_resources

PERSONAL_SEGMENT_FIELDS = ("wrapUpNote",)
# These participants' names are queue or flow names ("Billing"), which the catalog's divisions share.
NAMED_AFTER_QUEUES_OR_FLOWS = {"acd", "ivr"}


def personal_values(emulator: GenesysEmulator) -> set[str]:
    """Every string the emulator serves under a personal field of the hour's conversations."""
    values: set[str] = set()
    for conversation in emulator.conversations_for_hour(HOUR):
        for participant in conversation.get("participants", []):
            if participant.get("purpose") not in NAMED_AFTER_QUEUES_OR_FLOWS:
                values |= {
                    participant[name] for name in PERSONAL_PARTICIPANT_FIELDS if isinstance(participant.get(name), str)
                }
            for session in participant.get("sessions", []):
                values |= {session[name] for name in PERSONAL_SESSION_FIELDS if isinstance(session.get(name), str)}
                for segment in session.get("segments", []):
                    values |= {segment[name] for name in PERSONAL_SEGMENT_FIELDS if name in segment}
    # A note may just repeat a wrap-up code's name, which the catalog holds anyway and is not personal.
    return values - set(emulator.wrapup_code_labels().values())


def file_bytes(path: Path) -> bytes:
    """A lake file's content, decompressed when it is zstd (the raw pages)."""
    if path.suffix == ".zst":
        with pa.input_stream(str(path), compression="zstd") as stream:
            return stream.read()
    return path.read_bytes()


def files_containing(root: Path, values: set[str]) -> dict[str, list[str]]:
    found = {}
    for path in root.rglob("*"):
        if path.is_file():
            data = file_bytes(path)
            hits = sorted(value for value in values if value.encode() in data)
            if hits:
                found[str(path.relative_to(root))] = hits[:3]
    return found


@pytest.mark.parametrize("redact", [True, False], ids=["redacted raw pages", "unredacted raw pages"])
def test_personal_fields_never_reach_the_records(fault_emulator, lake_dir, instance, redact: bool):
    values = personal_values(fault_emulator)
    kinds = {"+", "sip:", "@"}  # phone numbers, SIP and e-mail addresses, as the emulator makes them
    assert len(values) > 20 and any(kind in value for value in values for kind in kinds)
    result = materialize_raw_and_records(
        HOUR_KEY,
        pipeline_resources(fault_emulator, lake_dir),
        instance,
        run_config={"ops": {"raw_conversation_pages": {"config": {"redact_personal_data": redact}}}},
    )
    assert result.success
    assert files_containing(lake_dir / "wrapup_records", values) == {}
    raw_hits = files_containing(lake_dir / "raw_conversation_pages", values)
    if redact:
        assert files_containing(lake_dir, values) == {}
    else:
        assert list(raw_hits) == ["year=2024/month=05/day=01/hour=09/pages.jsonl.zst"]
