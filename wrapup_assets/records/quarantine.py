"""Conversations that cannot become contract rows, kept aside with the reason instead of dropped.

A conversation without `conversationId` or `conversationStart`, with a timestamp that does not
parse, or with an agent session missing a non-null contract field cannot be placed in a partition
or keyed. Such conversations are stored in the `wrapup_records_quarantine` dataset, beside the
hour's records, as they appear in the (redacted) raw pages, so a person can see what changed in the
API without digging through the raw pages. Too many of them fail the hour's quarantine check:
a systematic change in the API must not silently shrink the exported data.
"""

from dataclasses import dataclass

import pyarrow as pa

from wrapup_assets.records.validation import CheckOutcome

DEFAULT_MAX_QUARANTINED_FRACTION = 0.01
FIRST_QUARANTINED = 5

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("conversation_id", pa.string(), metadata={"description": "conversationId, when it is readable"}),
        pa.field("page_number", pa.int32(), nullable=False, metadata={"description": "Page of the raw partition"}),
        pa.field("position_on_page", pa.int32(), nullable=False, metadata={"description": "1-based position"}),
        pa.field("reason", pa.string(), nullable=False, metadata={"description": "Why no row could be built"}),
        pa.field(
            "conversation_json",
            pa.string(),
            nullable=False,
            metadata={"description": "The conversation as stored in the raw pages (redacted)"},
        ),
    ]
)


@dataclass(frozen=True)
class QuarantinedConversation:
    """One conversation set aside: where it was read, why, and its JSON as read."""

    conversation_id: str | None
    page_number: int
    position_on_page: int
    reason: str
    conversation_json: bytes

    def describe(self) -> str:
        """`conversation <id or position>: <reason>`, for logs and check descriptions."""
        name = self.conversation_id or f"#{self.position_on_page} on page {self.page_number}"
        return f"conversation {name}: {self.reason}"


def quarantine_table(conversations: list[QuarantinedConversation]) -> pa.Table:
    """The quarantine partition's rows, in the order they were read (deterministic file bytes)."""
    ordered = sorted(conversations, key=lambda item: (item.page_number, item.position_on_page))
    return pa.table(
        {
            "conversation_id": pa.array([item.conversation_id for item in ordered], pa.string()),
            "page_number": pa.array([item.page_number for item in ordered], pa.int32()),
            "position_on_page": pa.array([item.position_on_page for item in ordered], pa.int32()),
            "reason": pa.array([item.reason for item in ordered], pa.string()),
            "conversation_json": pa.array([item.conversation_json.decode() for item in ordered], pa.string()),
        },
        schema=QUARANTINE_SCHEMA,
    )


def check_quarantined_fraction(
    quarantined: list[QuarantinedConversation], conversations_seen: int, max_fraction: float
) -> CheckOutcome:
    """A few odd conversations are life; past `max_fraction` of the hour, the API changed under us."""
    fraction = len(quarantined) / conversations_seen if conversations_seen else 0.0
    first = "; ".join(item.describe() for item in quarantined[:FIRST_QUARANTINED])
    metadata = {
        "quarantined": len(quarantined),
        "conversations_seen": conversations_seen,
        "quarantined_fraction": round(fraction, 6),
        "max_quarantined_fraction": max_fraction,
        "first_quarantined": first,
    }
    if fraction > max_fraction:
        return CheckOutcome(
            passed=False,
            description=(
                f"{len(quarantined)} of {conversations_seen} conversations quarantined ({fraction:.2%}), "
                f"more than the allowed {max_fraction:.2%}: {first}"
            ),
            metadata=metadata,
        )
    return CheckOutcome(
        passed=True,
        description=f"{len(quarantined)} of {conversations_seen} conversations quarantined ({fraction:.2%})",
        metadata=metadata,
    )
