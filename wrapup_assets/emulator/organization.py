"""The synthetic contact centre behind the data: divisions, queues, agents and the wrap-up code catalog.

Everything is derived from the seed alone, so two emulators with one seed agree on every ID.
"""

from __future__ import annotations

import functools
import random
import uuid
from dataclasses import dataclass

DIVISION_NAMES = ("Home", "Customer Care")
QUEUE_NAMES = (
    ("Sales", 0),
    ("Billing", 1),
    ("Technical Support", 1),
    ("Retention", 0),
    ("Orders", 0),
    ("Email Support", 1),
    ("Messaging", 1),
    ("Outbound Campaign", 0),
)
OUTBOUND_QUEUE_NAME = "Outbound Campaign"
ACTIVE_CODE_NAMES = (
    "Sale",
    "Billing question",
    "Technical issue",
    "Order status",
    "Refund request",
    "Cancellation",
    "Address change",
    "Password reset",
    "Product information",
    "Complaint",
    "Upgrade",
    "Downgrade",
    "Payment arrangement",
    "Delivery problem",
    "Return request",
    "Warranty claim",
    "Account update",
    "Appointment booked",
    "Callback scheduled",
    "Escalated to supervisor",
    "Wrong number",
    "Left voicemail",
)
DELETED_CODE_NAMES = ("Legacy promotion inquiry", "Old loyalty program", "Survey opt-out")
AGENT_NAMES = (
    "Ava Martin",
    "Liam Dubois",
    "Mia Rossi",
    "Noah Schmidt",
    "Emma Novak",
    "Lucas Silva",
    "Olivia Brown",
    "Ethan Murphy",
    "Sofia Garcia",
    "Jonas Berg",
    "Chloe Laurent",
    "Mateo Costa",
    "Isla Walsh",
    "Felix Wagner",
    "Nora Lindqvist",
    "Leo Moretti",
    "Zoe Kelly",
    "Adam Nowak",
    "Elena Petrova",
    "Hugo Bernard",
    "Maya Cohen",
    "Oscar Jensen",
    "Lena Huber",
    "Theo Dupont",
    "Aria Khan",
    "Finn O'Brien",
    "Clara Vogel",
    "Ivan Horvat",
    "Julia Santos",
    "Max Keller",
    "Amelie Roux",
    "Samuel Okafor",
    "Hanna Virtanen",
    "David Levy",
    "Ines Ferreira",
    "Tom Byrne",
)
CATALOG_CREATED = "2023-03-14T08:30:00.000Z"
CATALOG_MODIFIED = "2024-01-09T15:45:12.000Z"
DELETED_MODIFIED = "2024-04-30T16:20:00.000Z"


@dataclass(frozen=True)
class Division:
    """A Genesys division (access boundary); codes and queues belong to one."""

    division_id: str
    name: str


@dataclass(frozen=True)
class Queue:
    """An ACD queue."""

    queue_id: str
    name: str
    division: Division


@dataclass(frozen=True)
class Agent:
    """A user who handles conversations."""

    user_id: str
    name: str


@dataclass(frozen=True)
class WrapUpCode:
    """A catalog entry; `deleted` ones only show in the division views with Deleted state."""

    code_id: str
    name: str
    division: Division
    deleted: bool
    date_created: str
    date_modified: str
    created_by: str
    modified_by: str


@dataclass(frozen=True)
class Organization:
    """Everything of the org that the conversations refer to."""

    divisions: tuple[Division, ...]
    queues: tuple[Queue, ...]
    agents: tuple[Agent, ...]
    codes: tuple[WrapUpCode, ...]
    campaign_id: str

    @property
    def active_codes(self) -> tuple[WrapUpCode, ...]:
        """Codes an agent can pick today."""
        return tuple(code for code in self.codes if not code.deleted)

    @property
    def deleted_codes(self) -> tuple[WrapUpCode, ...]:
        """Codes removed from the catalog that older conversations still carry."""
        return tuple(code for code in self.codes if code.deleted)

    @property
    def inbound_queues(self) -> tuple[Queue, ...]:
        """Queues that take customer-initiated conversations."""
        return tuple(queue for queue in self.queues if queue.name != OUTBOUND_QUEUE_NAME)

    @property
    def outbound_queue(self) -> Queue:
        """The queue dialer campaigns run on."""
        return next(queue for queue in self.queues if queue.name == OUTBOUND_QUEUE_NAME)


def random_uuid(rng: random.Random) -> str:
    """A version-4 UUID drawn from the given generator (reproducible, unlike uuid4)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@functools.lru_cache(maxsize=16)
def organization_for_seed(seed: int) -> Organization:
    """The org of a seed; cached because every generated hour refers to it."""
    rng = random.Random(f"{seed}:organization")
    divisions = tuple(Division(random_uuid(rng), name) for name in DIVISION_NAMES)
    queues = tuple(Queue(random_uuid(rng), name, divisions[index]) for name, index in QUEUE_NAMES)
    agents = tuple(Agent(random_uuid(rng), name) for name in AGENT_NAMES)
    admin_ids = (random_uuid(rng), random_uuid(rng))
    codes = tuple(
        WrapUpCode(
            code_id=random_uuid(rng),
            name=name,
            division=divisions[position % len(divisions)],
            deleted=name in DELETED_CODE_NAMES,
            date_created=CATALOG_CREATED,
            date_modified=DELETED_MODIFIED if name in DELETED_CODE_NAMES else CATALOG_MODIFIED,
            created_by=admin_ids[0],
            modified_by=admin_ids[position % len(admin_ids)],
        )
        for position, name in enumerate(ACTIVE_CODE_NAMES + DELETED_CODE_NAMES)
    )
    return Organization(divisions, queues, agents, codes, campaign_id=random_uuid(rng))
