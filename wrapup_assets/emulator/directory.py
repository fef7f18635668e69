"""The org's directory as it changes over time: divisions, queues, users and the codes each queue offers.

Genesys serves only the present state of these entities; the emulator serves the state as of its
clock, so a test that moves the clock sees admins rename a queue, move one to another division,
delete a queue and a division, rename a user (and their address), move one to another department,
deactivate one and delete one. Everything derives from the seed (`random.Random(f"{seed}:directory")`),
like the rest of the synthetic org, and the listings have the shapes of the official SDK's models
(AuthzDivision, Queue, User, WrapupCode).
"""

from __future__ import annotations

import functools
import random
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wrapup_assets.emulator.catalog import code_entity
from wrapup_assets.emulator.instants import parse_instant
from wrapup_assets.emulator.organization import Organization, organization_for_seed, random_uuid

CREATED = "2023-02-01T09:00:00.000Z"
DEPARTMENTS = ("Sales", "Customer Care", "Billing", "Technical Support")
TEAM_LEADS = ("Rosa Lindgren", "Marc Aubert", "Priya Raman")
EMAIL_DOMAIN = "contact-centre.example.com"
# The instants the directory changes at (UTC), and what changes.
PARTNER_DESK_CREATED = "2024-02-01T08:00:00.000Z"
EMAIL_SUPPORT_MOVED = "2024-03-01T07:30:00.000Z"
SPRING_PROMOTION_CREATED = "2024-03-01T08:00:00.000Z"
DEPARTMENT_CHANGED = "2024-04-10T09:00:00.000Z"
SAVE_DESK_RENAMED = "2024-04-15T10:00:00.000Z"
USER_DEACTIVATED = "2024-04-20T17:00:00.000Z"
USER_DELETED = "2024-04-25T17:00:00.000Z"
PARTNER_DESK_DELETED = "2024-04-28T09:00:00.000Z"
SPRING_PROMOTION_DELETED = "2024-04-30T18:00:00.000Z"
USER_RENAMED = "2024-05-01T12:00:00.000Z"
QUEUE_CODE_ADDED = "2024-05-01T12:00:00.000Z"
USER_STATES = ("active", "inactive", "deleted", "any")


@dataclass(frozen=True)
class Timeline:
    """An entity's attributes over time: `base` from `created`, each change from its instant on;
    `removed` is when it leaves its listing (a hard-deleted queue, a soft-deleted division)."""

    entity_id: str
    base: Mapping[str, Any]
    created: str = CREATED
    changes: tuple[tuple[str, Mapping[str, Any]], ...] = ()
    removed: str | None = None

    def exists(self, now_ms: int) -> bool:
        return parse_instant(self.created) <= now_ms

    def is_removed(self, now_ms: int) -> bool:
        return self.removed is not None and parse_instant(self.removed) <= now_ms

    def at(self, now_ms: int) -> dict[str, Any]:
        """The attributes as of `now_ms`, with `modified` (the last change's instant) and `version`."""
        attributes = dict(self.base)
        modified, version = self.created, 1
        for instant, changed in self.changes:
            if parse_instant(instant) <= now_ms:
                attributes.update(changed)
                modified, version = instant, version + 1
        return attributes | {"modified": modified, "version": version}


@dataclass(frozen=True)
class Directory:
    """Divisions, queues, users and queue codes of one seed, answerable as of any instant."""

    organization: Organization
    divisions: tuple[Timeline, ...]
    queues: tuple[Timeline, ...]
    users: tuple[Timeline, ...]
    queue_codes: Mapping[str, tuple[Timeline, ...]] = field(default_factory=dict)

    def division_entities(self, now_ms: int, deleted: bool = False) -> list[dict[str, Any]]:
        """The divisions listed now (`deleted`: the soft-deleted ones instead), by name."""
        return sorted(
            (
                _division_entity(timeline, now_ms)
                for timeline in self.divisions
                if timeline.exists(now_ms) and timeline.is_removed(now_ms) == deleted
            ),
            key=_by_name,
        )

    def queue_entities(self, now_ms: int) -> list[dict[str, Any]]:
        """The queues listed now, by name (Genesys lists no deleted queue)."""
        names = self._division_names(now_ms)
        return sorted(
            (
                _queue_entity(timeline, now_ms, names)
                for timeline in self.queues
                if timeline.exists(now_ms) and not timeline.is_removed(now_ms)
            ),
            key=_by_name,
        )

    def user_entities(self, now_ms: int, state: str) -> list[dict[str, Any]]:
        """The users in `state` (active, inactive, deleted, or any), by name."""
        names = self._division_names(now_ms)
        users = (_user_entity(timeline, now_ms, names) for timeline in self.users if timeline.exists(now_ms))
        return sorted((user for user in users if state in ("any", user["state"])), key=_by_name)

    def queue_code_entities(self, queue_id: str, now_ms: int) -> list[dict[str, Any]] | None:
        """The codes a queue offers now, by name; None for a queue that does not exist now."""
        if not any(q.entity_id == queue_id for q in self.queues if q.exists(now_ms) and not q.is_removed(now_ms)):
            return None
        codes = {code.code_id: code for code in self.organization.codes}
        return sorted(
            (
                code_entity(codes[timeline.entity_id])
                for timeline in self.queue_codes.get(queue_id, ())
                if timeline.exists(now_ms)
            ),
            key=_by_name,
        )

    def _division_names(self, now_ms: int) -> dict[str, str]:
        return {timeline.entity_id: timeline.at(now_ms)["name"] for timeline in self.divisions}


def _by_name(entity: Mapping[str, Any]) -> tuple[str, str]:
    return (entity["name"].lower(), entity["id"])


def _division_ref(division_id: str, names: Mapping[str, str]) -> dict[str, str]:
    return {
        "id": division_id,
        "name": names[division_id],
        "selfUri": f"/api/v2/authorization/divisions/{division_id}",
    }


def _division_entity(timeline: Timeline, now_ms: int) -> dict[str, Any]:
    attributes = timeline.at(now_ms)
    return {
        "id": timeline.entity_id,
        "name": attributes["name"],
        "description": attributes["description"],
        "homeDivision": attributes["home"],
        "selfUri": f"/api/v2/authorization/divisions/{timeline.entity_id}",
    }


def _queue_entity(timeline: Timeline, now_ms: int, division_names: Mapping[str, str]) -> dict[str, Any]:
    attributes = timeline.at(now_ms)
    return {
        "id": timeline.entity_id,
        "name": attributes["name"],
        "division": _division_ref(attributes["division_id"], division_names),
        "description": attributes["description"],
        "dateCreated": timeline.created,
        "dateModified": attributes["modified"],
        "modifiedBy": attributes["admin_id"],
        "createdBy": attributes["admin_id"],
        "memberCount": attributes["members"],
        "userMemberCount": attributes["members"],
        "joinedMemberCount": attributes["members"],
        "scoringMethod": "TimestampAndPriority",
        "skillEvaluationMethod": "BEST",
        "autoAnswerOnly": False,
        "enableTranscription": False,
        "enableManualAssignment": False,
        "selfUri": f"/api/v2/routing/queues/{timeline.entity_id}",
    }


def _user_entity(timeline: Timeline, now_ms: int, division_names: Mapping[str, str]) -> dict[str, Any]:
    attributes = timeline.at(now_ms)
    user: dict[str, Any] = {
        "id": timeline.entity_id,
        "name": attributes["name"],
        "division": _division_ref(attributes["division_id"], division_names),
        "department": attributes["department"],
        "email": attributes["email"],
        "primaryContactInfo": [{"address": attributes["email"], "mediaType": "EMAIL", "type": "PRIMARY"}],
        "state": attributes["state"],
        "title": attributes["title"],
        "username": attributes["email"],
        "version": attributes["version"],
        "acdAutoAnswer": False,
        "selfUri": f"/api/v2/users/{timeline.entity_id}",
    }
    if attributes["manager_id"]:
        user["manager"] = {"id": attributes["manager_id"], "selfUri": f"/api/v2/users/{attributes['manager_id']}"}
    return user


def email_address(name: str) -> str:
    """first.last@EMAIL_DOMAIN, accents and punctuation dropped."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return f"{re.sub(r'[^a-z]+', '.', ascii_name).strip('.')}@{EMAIL_DOMAIN}"


@functools.lru_cache(maxsize=16)
def directory_for_seed(seed: int) -> Directory:
    """The directory of a seed; cached like the organization it extends."""
    organization = organization_for_seed(seed)
    rng = random.Random(f"{seed}:directory")
    home, care = (division.division_id for division in organization.divisions)
    admin_id = random_uuid(rng)
    partner_desk = random_uuid(rng)
    divisions = (
        Timeline(home, {"name": "Home", "description": "The org's default division", "home": True}),
        Timeline(care, {"name": "Customer Care", "description": "Inbound customer care", "home": False}),
        Timeline(
            partner_desk,
            {"name": "Partner Desk", "description": "Reseller support, closed in April 2024", "home": False},
            created=PARTNER_DESK_CREATED,
            removed=PARTNER_DESK_DELETED,
        ),
    )
    queues = [
        _queue_timeline(queue.queue_id, queue.name, queue.division.division_id, admin_id, rng)
        for queue in organization.queues
    ]
    by_name = {queue.name: index for index, queue in enumerate(organization.queues)}
    retention = queues[by_name["Retention"]]
    queues[by_name["Retention"]] = Timeline(
        retention.entity_id,
        {**retention.base, "name": "Save Desk", "description": "Save Desk queue"},
        changes=((SAVE_DESK_RENAMED, {"name": "Retention", "description": "Retention queue"}),),
    )
    email_support = queues[by_name["Email Support"]]
    queues[by_name["Email Support"]] = Timeline(
        email_support.entity_id,
        {**email_support.base, "division_id": home},
        changes=((EMAIL_SUPPORT_MOVED, {"division_id": email_support.base["division_id"]}),),
    )
    queues.append(
        Timeline(
            random_uuid(rng),
            {**_queue_attributes("Spring Promotion", home, admin_id, rng)},
            created=SPRING_PROMOTION_CREATED,
            removed=SPRING_PROMOTION_DELETED,
        )
    )
    leads = [
        Timeline(
            random_uuid(rng),
            _user_attributes(name, (home, care)[index % 2], "Customer Care", "Team Lead", None),
        )
        for index, name in enumerate(TEAM_LEADS)
    ]
    agents = [
        Timeline(
            agent.user_id,
            _user_attributes(
                agent.name,
                (home, care)[index % 2],
                DEPARTMENTS[index % len(DEPARTMENTS)],
                "Senior Agent" if index % 5 == 0 else "Agent",
                leads[index % len(leads)].entity_id,
            ),
        )
        for index, agent in enumerate(organization.agents)
    ]
    renamed, moved, deactivated, deleted = rng.sample(range(len(agents)), 4)
    new_name = f"{agents[renamed].base['name']}-Keller"
    agents[renamed] = _with_change(agents[renamed], USER_RENAMED, {"name": new_name, "email": email_address(new_name)})
    agents[moved] = _with_change(
        agents[moved], DEPARTMENT_CHANGED, {"department": "Retention", "title": "Senior Agent"}
    )
    agents[deactivated] = _with_change(agents[deactivated], USER_DEACTIVATED, {"state": "inactive"})
    agents[deleted] = _with_change(agents[deleted], USER_DELETED, {"state": "deleted"})
    queue_codes = {
        queue.entity_id: _offered_codes(
            queue.entity_id, organization, seed, added_at=QUEUE_CODE_ADDED if position == 0 else None
        )
        for position, queue in enumerate(queues)
    }
    return Directory(organization, divisions, tuple(queues), tuple(leads + agents), queue_codes)


def _queue_attributes(name: str, division_id: str, admin_id: str, rng: random.Random) -> dict[str, Any]:
    return {
        "name": name,
        "division_id": division_id,
        "description": f"{name} queue",
        "admin_id": admin_id,
        "members": rng.randint(4, 14),
    }


def _queue_timeline(queue_id: str, name: str, division_id: str, admin_id: str, rng: random.Random) -> Timeline:
    return Timeline(queue_id, _queue_attributes(name, division_id, admin_id, rng))


def _user_attributes(name: str, division_id: str, department: str, title: str, manager_id: str | None) -> dict:
    return {
        "name": name,
        "email": email_address(name),
        "division_id": division_id,
        "department": department,
        "title": title,
        "manager_id": manager_id,
        "state": "active",
    }


def _with_change(timeline: Timeline, instant: str, changed: Mapping[str, Any]) -> Timeline:
    return Timeline(timeline.entity_id, timeline.base, timeline.created, (*timeline.changes, (instant, changed)))


def _offered_codes(queue_id: str, organization: Organization, seed: int, added_at: str | None) -> tuple[Timeline, ...]:
    """A queue offers 6 to 10 of the active codes; the first queue gains one more at `added_at`."""
    rng = random.Random(f"{seed}:queue-codes:{queue_id}")
    active = list(organization.active_codes)
    offered = rng.sample(active, rng.randint(6, 10))
    timelines = [Timeline(code.code_id, {}) for code in offered]
    if added_at is not None:
        extra = next(code for code in active if code not in offered)
        timelines.append(Timeline(extra.code_id, {}, created=added_at))
    return tuple(timelines)
