"""Deterministic synthetic conversations, planned one UTC hour at a time.

An hour's plan depends only on (seed, conversations_per_hour, hour): its generator is seeded with
`random.Random(f"{seed}:{hour_iso}")` (never Python's salted hash()), and plans are cached so a
query touching a day does not regenerate it (`generate_hour` is the uncached form, for callers
that keep only a rendering of a large hour).

Shares, per conversation (the structure) and per agent session (the wrap-up outcome), are the
weights below; volume follows a diurnal curve peaking at PEAK_HOUR_UTC and never falling under
MIN_VOLUME_SHARE of the peak. The last conversation of every hour starts in its final four minutes
and lasts past the hour, so every hour has a cross-hour conversation and every 23:00 hour a
cross-midnight one. No conversation lasts longer than MAX_CONVERSATION_DURATION_MS.
"""

from __future__ import annotations

import functools
import math
import random
from dataclasses import dataclass, field

from wrapup_assets.emulator.gc_pause import cyclic_gc_paused
from wrapup_assets.emulator.instants import HOUR_MS, MINUTE_MS, SECOND_MS, iso_ms
from wrapup_assets.emulator.model import (
    ConversationPlan,
    MetricPlan,
    ParticipantPlan,
    SegmentPlan,
    SessionPlan,
)
from wrapup_assets.emulator.organization import Organization, Queue, organization_for_seed, random_uuid

MAX_CONVERSATION_DURATION_MS = 3 * HOUR_MS
PEAK_HOUR_UTC = 14
MIN_VOLUME_SHARE = 0.15
WRAP_UP_TIMEOUT = "ININ-WRAP-UP-TIMEOUT"
WRAP_UP_SKIPPED = "ININ-WRAP-UP-SKIPPED"
CONTACT_CENTRE_NUMBER = "tel:+18005550100"
CONTACT_CENTRE_EMAIL = "support@example.com"

MEDIA_WEIGHTS = {"voice": 50, "chat": 15, "message": 15, "email": 12, "callback": 8}
SHAPE_WEIGHTS = {
    "handled": 62,
    "transfer": 12,
    "abandoned": 8,
    "ivr_only": 5,
    "dialer": 8,
    "missed_then_handled": 4,
    "long": 1,
}
WRAP_UP_OUTCOME_WEIGHTS = {
    "active_code": 76,
    "deleted_code": 5,
    "timeout": 5,
    "skipped": 4,
    "acw_skipped": 5,
    "no_wrapup": 5,
}
TALK_SECONDS = {
    "voice": (60, 1200),
    "callback": (60, 900),
    "chat": (180, 1500),
    "message": (120, 1800),
    "email": (300, 2400),
}
LONG_TALK_SECONDS = (3600, 9000)
DISPOSITION_WEIGHTS = {
    "disposition.classification.callable.live": 75,
    "disposition.classification.callable.machine": 25,
}
AGENT_WITHOUT_USER_SHARE = 0.015
HOLD_SHARE = 0.2
NOTE_SHARE = 0.2
SPLIT_HANDLE_SHARE = 0.03
IVR_SHARE = 0.4
TRANSFER_TO_OTHER_QUEUE_SHARE = 0.5
FIRST_NAMES = ("Jane", "John", "Maria", "Ahmed", "Chen", "Fatima", "Peter", "Anna", "Luis", "Grace", "Omar", "Sara")
LAST_NAMES = ("Doe", "Smith", "Garcia", "Khan", "Wang", "Murphy", "Schulz", "Rossi", "Nakamura", "Lopez", "Ward")
NOTE_TEMPLATES = (
    "Customer {name} asked about invoice {number}; call back on {phone}",
    "{name} reported the issue again, ticket {number}",
    "Sent confirmation to {email}",
    "Promised refund of {number} cents to {name}",
)


def diurnal_share(hour_of_day: int) -> float:
    """Share of the peak-hour volume in a UTC hour of the day: a bell around PEAK_HOUR_UTC."""
    return MIN_VOLUME_SHARE + (1 - MIN_VOLUME_SHARE) * math.exp(-((hour_of_day - PEAK_HOUR_UTC) ** 2) / 24.5)


def conversation_count(conversations_per_hour: int, hour_start_ms: int) -> int:
    """How many conversations start in the hour (at least one: the cross-hour one)."""
    hour_of_day = (hour_start_ms // HOUR_MS) % 24
    return max(1, round(conversations_per_hour * diurnal_share(hour_of_day)))


@functools.lru_cache(maxsize=1024)
def plan_hour(seed: int, conversations_per_hour: int, hour_start_ms: int) -> tuple[ConversationPlan, ...]:
    """Every conversation that starts in the hour, ordered by (start, id), as it will have happened."""
    return generate_hour(seed, conversations_per_hour, hour_start_ms)


def generate_hour(seed: int, conversations_per_hour: int, hour_start_ms: int) -> tuple[ConversationPlan, ...]:
    """`plan_hour` without its cache: 500,000 plans take about 2 GB, more than is worth keeping."""
    with cyclic_gc_paused():
        return _generate_hour(seed, conversations_per_hour, hour_start_ms)


def _generate_hour(seed: int, conversations_per_hour: int, hour_start_ms: int) -> tuple[ConversationPlan, ...]:
    if hour_start_ms % HOUR_MS:
        raise ValueError(f"hour start {iso_ms(hour_start_ms)} is not on a UTC hour")
    rng = random.Random(f"{seed}:{iso_ms(hour_start_ms)}")
    organization = organization_for_seed(seed)
    count = conversation_count(conversations_per_hour, hour_start_ms)
    plans = [
        _ConversationBuilder(rng, organization, hour_start_ms + rng.randrange(HOUR_MS)).build(_pick(rng, SHAPE_WEIGHTS))
        for _ in range(count - 1)
    ]
    boundary_start = hour_start_ms + HOUR_MS - rng.randrange(MINUTE_MS, 4 * MINUTE_MS)
    boundary = _ConversationBuilder(rng, organization, boundary_start, min_talk_ms=5 * MINUTE_MS)
    plans.append(boundary.build("handled"))
    return tuple(sorted(plans, key=lambda plan: (plan.start_ms, plan.conversation_id)))


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(tuple(weights), weights=tuple(weights.values()))[0]


def _ms_between(rng: random.Random, low_seconds: float, high_seconds: float) -> int:
    return rng.randint(int(low_seconds * SECOND_MS), int(high_seconds * SECOND_MS))


@dataclass(frozen=True)
class _Customer:
    name: str
    phone: str
    email: str


@dataclass
class _ConversationBuilder:
    """Lays out one conversation's participants on a timeline starting at `start_ms`."""

    rng: random.Random
    organization: Organization
    start_ms: int
    min_talk_ms: int = 0
    participants: list[ParticipantPlan] = field(default_factory=list)
    division_ids: list[str] = field(default_factory=list)

    def build(self, shape: str) -> ConversationPlan:
        rng = self.rng
        conversation_id = random_uuid(rng)
        media_type = "voice" if shape in ("ivr_only", "dialer") else _pick(rng, MEDIA_WEIGHTS)
        customer = self._customer()
        if shape == "dialer":
            customer_end = self._dialer_call(customer)
            direction = "outbound"
        else:
            customer_end = self._inbound_call(shape, media_type, customer)
            direction = "inbound"
        self.participants.insert(0, self._customer_participant(customer, media_type, direction, customer_end))
        end_ms = max(
            segment.end_ms
            for participant in self.participants
            for session in participant.sessions
            for segment in session.segments
        )
        return ConversationPlan(
            conversation_id=conversation_id,
            start_ms=self.start_ms,
            end_ms=end_ms,
            originating_direction=direction,
            division_ids=tuple(self.division_ids or [self.organization.divisions[0].division_id]),
            participants=tuple(self.participants),
        )

    def _inbound_call(self, shape: str, media_type: str, customer: _Customer) -> int:
        rng = self.rng
        clock = self.start_ms
        if shape == "ivr_only" or (media_type == "voice" and rng.random() < IVR_SHARE):
            clock = self._ivr(media_type, clock, _ms_between(rng, 20, 120))
            if shape == "ivr_only":
                return clock
        queue = rng.choice(self.organization.inbound_queues)
        clock = self._acd(media_type, queue, clock, answered=shape != "abandoned")
        if shape == "abandoned":
            return clock
        if shape == "missed_then_handled":
            clock = self._missed_agent(media_type, queue, clock, customer)
        agent_count = rng.choice((2, 2, 3)) if shape == "transfer" else 1
        for position in range(agent_count):
            last = position == agent_count - 1
            talk_ms = self._talk_ms(media_type, long=shape == "long")
            clock = self._agent(
                media_type, "inbound", queue, clock, talk_ms, customer, ending="client" if last else "transfer"
            )
            if not last and rng.random() < TRANSFER_TO_OTHER_QUEUE_SHARE:
                queue = rng.choice(self.organization.inbound_queues)
                clock = self._acd(media_type, queue, clock, answered=True)
        return clock

    def _dialer_call(self, customer: _Customer) -> int:
        queue = self.organization.outbound_queue
        self._note_division(queue)
        disposition = _pick(self.rng, DISPOSITION_WEIGHTS)
        return self._agent(
            "voice",
            "outbound",
            queue,
            self.start_ms,
            self._talk_ms("voice", long=False),
            customer,
            ending="client",
            disposition_name=disposition,
        )

    def _talk_ms(self, media_type: str, long: bool) -> int:
        low, high = LONG_TALK_SECONDS if long else TALK_SECONDS[media_type]
        return max(self.min_talk_ms, _ms_between(self.rng, low, high))

    def _customer(self) -> _Customer:
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        return _Customer(
            name=f"{first} {last}",
            phone=f"+1555{rng.randrange(10**7):07d}",
            email=f"{first.lower()}.{last.lower()}{rng.randrange(100)}@example.net",
        )

    def _addresses(self, media_type: str, direction: str, customer: _Customer) -> dict[str, str]:
        if media_type == "email":
            return {"address_from": customer.email, "address_to": CONTACT_CENTRE_EMAIL}
        if media_type == "chat":
            return {"address_from": customer.email}
        if media_type == "message":
            return {"address_from": customer.phone, "address_to": CONTACT_CENTRE_NUMBER.removeprefix("tel:")}
        if direction == "outbound":
            return {"ani": CONTACT_CENTRE_NUMBER, "dnis": f"tel:{customer.phone}"}
        return {"ani": f"tel:{customer.phone}", "dnis": CONTACT_CENTRE_NUMBER}

    def _customer_participant(
        self, customer: _Customer, media_type: str, direction: str, end_ms: int
    ) -> ParticipantPlan:
        session = SessionPlan(
            session_id=random_uuid(self.rng),
            media_type=media_type,
            direction=direction,
            segments=(SegmentPlan("interact", self.start_ms, end_ms, disconnect_type="peer"),),
            **self._addresses(media_type, direction, customer),
        )
        return ParticipantPlan(random_uuid(self.rng), "customer", (session,), participant_name=customer.name)

    def _ivr(self, media_type: str, start_ms: int, duration_ms: int) -> int:
        end_ms = start_ms + duration_ms
        session = SessionPlan(
            session_id=random_uuid(self.rng),
            media_type=media_type,
            direction="inbound",
            segments=(SegmentPlan("ivr", start_ms, end_ms, disconnect_type="transfer"),),
        )
        self.participants.append(ParticipantPlan(random_uuid(self.rng), "ivr", (session,), participant_name="Main IVR"))
        return end_ms

    def _acd(self, media_type: str, queue: Queue, start_ms: int, answered: bool) -> int:
        wait_ms = _ms_between(self.rng, 5, 300 if answered else 180)
        end_ms = start_ms + wait_ms
        self._note_division(queue)
        outcome_metric = MetricPlan("tAcd" if answered else "tAbandon", wait_ms, end_ms)
        session = SessionPlan(
            session_id=random_uuid(self.rng),
            media_type=media_type,
            direction="inbound",
            segments=(
                SegmentPlan(
                    "interact",
                    start_ms,
                    end_ms,
                    queue_id=queue.queue_id,
                    disconnect_type="transfer" if answered else "peer",
                ),
            ),
            metrics=(MetricPlan("nOffered", 1, start_ms), outcome_metric),
        )
        self.participants.append(ParticipantPlan(random_uuid(self.rng), "acd", (session,), participant_name=queue.name))
        return end_ms

    def _missed_agent(self, media_type: str, queue: Queue, start_ms: int, customer: _Customer) -> int:
        rng = self.rng
        agent = rng.choice(self.organization.agents)
        end_ms = start_ms + _ms_between(rng, 10, 20)
        session = SessionPlan(
            session_id=random_uuid(rng),
            media_type=media_type,
            direction="inbound",
            segments=(
                SegmentPlan("alert", start_ms, end_ms, queue_id=queue.queue_id, disconnect_type="noAnswerTransfer"),
            ),
            metrics=(MetricPlan("tNotResponding", end_ms - start_ms, end_ms),),
            **self._addresses(media_type, "inbound", customer),
        )
        self.participants.append(
            ParticipantPlan(random_uuid(rng), "agent", (session,), participant_name=agent.name, user_id=agent.user_id)
        )
        return end_ms

    def _agent(
        self,
        media_type: str,
        direction: str,
        queue: Queue,
        start_ms: int,
        talk_ms: int,
        customer: _Customer,
        ending: str,
        disposition_name: str | None = None,
    ) -> int:
        """Adds an agent who answers at `start_ms`; returns when the agent's interaction ends."""
        rng = self.rng
        agent = rng.choice(self.organization.agents)
        queue_id = queue.queue_id
        alert_ms = _ms_between(rng, 2, 15)
        connected_ms = start_ms + alert_ms
        first_type = "dialing" if disposition_name else "alert"
        segments = [SegmentPlan(first_type, start_ms, connected_ms, queue_id=queue_id)]
        metrics = [MetricPlan("nConnected", 1, connected_ms), MetricPlan("tAlert", alert_ms, connected_ms)]
        held_ms = 0
        if media_type in ("voice", "callback") and rng.random() < HOLD_SHARE:
            held_ms = _ms_between(rng, 20, 300)
            first_talk_ms = talk_ms // 2
            hold_start = connected_ms + first_talk_ms
            segments.append(SegmentPlan("interact", connected_ms, hold_start, queue_id=queue_id))
            segments.append(SegmentPlan("hold", hold_start, hold_start + held_ms, queue_id=queue_id))
            metrics.append(MetricPlan("tTalk", first_talk_ms, hold_start))
            metrics.append(MetricPlan("tHeld", held_ms, hold_start + held_ms))
            resume_ms = hold_start + held_ms
            interact_end = resume_ms + talk_ms - first_talk_ms
            segments.append(SegmentPlan("interact", resume_ms, interact_end, queue_id=queue_id, disconnect_type=ending))
            metrics.append(MetricPlan("tTalk", talk_ms - first_talk_ms, interact_end))
        else:
            interact_end = connected_ms + talk_ms
            segments.append(
                SegmentPlan("interact", connected_ms, interact_end, queue_id=queue_id, disconnect_type=ending)
            )
            metrics.append(MetricPlan("tTalk", talk_ms, interact_end))
        outcome = _pick(rng, WRAP_UP_OUTCOME_WEIGHTS)
        wrapup = self._wrapup_segment(outcome, interact_end, queue_id, customer)
        in_call_ms = talk_ms + held_ms
        if wrapup is None:
            metrics.append(MetricPlan("tHandle", in_call_ms, interact_end))
        else:
            segments.append(wrapup)
            acw_ms = wrapup.end_ms - wrapup.start_ms
            metrics.append(MetricPlan("tAcw", acw_ms, wrapup.end_ms))
            if rng.random() < SPLIT_HANDLE_SHARE:
                metrics.append(MetricPlan("tHandle", in_call_ms, interact_end))
                metrics.append(MetricPlan("tHandle", acw_ms, wrapup.end_ms))
            else:
                metrics.append(MetricPlan("tHandle", in_call_ms + acw_ms, wrapup.end_ms))
        session = SessionPlan(
            session_id=random_uuid(rng),
            media_type=media_type,
            direction=direction,
            segments=tuple(segments),
            metrics=tuple(metrics),
            acw_skipped=True if outcome == "acw_skipped" else None,
            disposition_name=disposition_name,
            outbound_campaign_id=self.organization.campaign_id if disposition_name else None,
            **self._addresses(media_type, direction, customer),
        )
        user_id = None if rng.random() < AGENT_WITHOUT_USER_SHARE else agent.user_id
        self.participants.append(
            ParticipantPlan(random_uuid(rng), "agent", (session,), participant_name=agent.name, user_id=user_id)
        )
        return interact_end

    def _wrapup_segment(self, outcome: str, start_ms: int, queue_id: str, customer: _Customer) -> SegmentPlan | None:
        rng = self.rng
        if outcome in ("acw_skipped", "no_wrapup"):
            return None
        note = None
        if outcome == "active_code":
            code = rng.choice(self.organization.active_codes).code_id
            if rng.random() < NOTE_SHARE:
                note = rng.choice(NOTE_TEMPLATES).format(
                    name=customer.name, phone=customer.phone, email=customer.email, number=rng.randrange(10**6)
                )
            duration_ms = _ms_between(rng, 5, 180)
        elif outcome == "deleted_code":
            code = rng.choice(self.organization.deleted_codes).code_id
            duration_ms = _ms_between(rng, 5, 180)
        elif outcome == "timeout":
            code, duration_ms = WRAP_UP_TIMEOUT, _ms_between(rng, 60, 120)
        else:
            code, duration_ms = WRAP_UP_SKIPPED, _ms_between(rng, 1, 3)
        return SegmentPlan(
            "wrapup", start_ms, start_ms + duration_ms, queue_id=queue_id, wrap_up_code=code, wrap_up_note=note
        )

    def _note_division(self, queue: Queue) -> None:
        if queue.division.division_id not in self.division_ids:
            self.division_ids.append(queue.division.division_id)
