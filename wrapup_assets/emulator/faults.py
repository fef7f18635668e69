"""Faults: requests that misbehave the way Genesys and the network do, scripted or at a random rate.

Scripted faults (`FaultPlan.inject`) hit the next matching requests in order, for tests that pin
one behaviour. Random faults (`FaultPlan.inject_random`) hit a share of requests from a seeded
generator, for soak runs; scripted ones win when both match a request.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Faults that only make sense on a details-query answer; elsewhere the request is served normally.
DETAILS_QUERY_FAULTS = frozenset({"page_shift", "total_hits_drift", "malformed_conversation"})
JOB_STATES = ("FAILED", "EXPIRED")
# A stall long enough to be a read timeout for a client waiting less than this (the soak sets 1 s).
TIMEOUT_STALL_SECONDS = 2.0


@dataclass(frozen=True)
class Fault:
    """One way a request can go wrong; build it with the class methods."""

    kind: str
    status_code: int | None = None
    retry_after: int | None = None
    seconds: float = 0.0
    delta: int = 0
    job_state: str | None = None
    gate: threading.Event | None = None

    @classmethod
    def status(cls, code: int, retry_after: int | None = None) -> Fault:
        """Answer with this status and a Genesys error body (plus Retry-After when given)."""
        if not 400 <= code <= 599:
            raise ValueError(f"a status fault needs an error status (400-599), got {code}")
        return cls("status", status_code=code, retry_after=retry_after)

    @classmethod
    def drop_connection(cls) -> Fault:
        """Close the socket without answering."""
        return cls("drop_connection")

    @classmethod
    def truncated_body(cls) -> Fault:
        """Answer 200 announcing the full Content-Length, send half of the body, close."""
        return cls("truncated_body")

    @classmethod
    def invalid_json(cls) -> Fault:
        """Answer 200 with a body that is not JSON."""
        return cls("invalid_json")

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Sleep, then answer normally: provokes the client's read timeout."""
        if seconds < 0:
            raise ValueError(f"a delay cannot be negative, got {seconds}")
        return cls("delay", seconds=seconds)

    @classmethod
    def hold(cls, gate: threading.Event, timeout_seconds: float) -> Fault:
        """Wait until `gate` is set (at most `timeout_seconds`), then answer normally: a test
        decides when a request finishes instead of guessing how long another process needs."""
        if timeout_seconds <= 0:
            raise ValueError(f"a hold needs a positive timeout, got {timeout_seconds}")
        return cls("hold", seconds=timeout_seconds, gate=gate)

    @classmethod
    def expire_token(cls) -> Fault:
        """Expire every token, then handle the request (which then gets a 401)."""
        return cls("expire_token")

    @classmethod
    def revoke_token(cls) -> Fault:
        """Revoke the request's bearer token for good (an admin rotated the client): the request
        and every later one with that token get a 401, only a new token works."""
        return cls("revoke_token")

    @classmethod
    def page_shift(cls) -> Fault:
        """Data arrived while paging: from this details-query page on, every page of the same
        interval starts one conversation earlier (its first conversation repeats the previous
        page's last) and `totalHits` grows by one."""
        return cls("page_shift")

    @classmethod
    def total_hits_drift(cls, delta: int) -> Fault:
        """This details-query page reports `totalHits` off by `delta` (Genesys recounts per page)."""
        if delta == 0:
            raise ValueError("a totalHits drift needs a non-zero delta")
        return cls("total_hits_drift", delta=delta)

    @classmethod
    def malformed_conversation(cls) -> Fault:
        """This details-query page has unknown fields everywhere and its first conversation lacks
        `conversationStart` (a contract field that cannot be filled)."""
        return cls("malformed_conversation")

    @classmethod
    def job(cls, state: str) -> Fault:
        """The details job polled by this request ends in `state` (FAILED or EXPIRED) for good."""
        if state not in JOB_STATES:
            raise ValueError(f"a job fault ends in one of {', '.join(JOB_STATES)}, got {state!r}")
        return cls("job_state", job_state=state)

    @property
    def name(self) -> str:
        """A short name for logs and the request log, e.g. `status-503` or `page_shift`."""
        if self.kind == "status":
            suffix = "" if self.retry_after is None else f"-retry-after-{self.retry_after}"
            return f"status-{self.status_code}{suffix}"
        if self.kind == "job_state":
            return f"job-{self.job_state}"
        return self.kind


# The faults a run can ask for by name (`wrapup-assets emulator --fault-kinds`, soak tests).
FAULTS_BY_NAME: dict[str, Fault] = {
    "429": Fault.status(429, retry_after=1),
    "429-no-retry-after": Fault.status(429),
    "500": Fault.status(500),
    "502": Fault.status(502),
    "503": Fault.status(503),
    "504": Fault.status(504),
    "timeout": Fault.delay(TIMEOUT_STALL_SECONDS),
    "drop": Fault.drop_connection(),
    "truncated": Fault.truncated_body(),
    "invalid-json": Fault.invalid_json(),
    "expire-token": Fault.expire_token(),
    "revoke-token": Fault.revoke_token(),
    "page-shift": Fault.page_shift(),
    "total-hits-drift": Fault.total_hits_drift(7),
    "malformed-conversation": Fault.malformed_conversation(),
    "job-failed": Fault.job("FAILED"),
    "job-expired": Fault.job("EXPIRED"),
}
# The faults a correct client absorbs without losing or duplicating a row: the random default.
RETRYABLE_FAULT_NAMES: tuple[str, ...] = (
    "429",
    "429-no-retry-after",
    "500",
    "502",
    "503",
    "504",
    "timeout",
    "drop",
    "truncated",
    "invalid-json",
    "expire-token",
    "revoke-token",
    "page-shift",
    "total-hits-drift",
)


def faults_named(names: Iterable[str]) -> tuple[Fault, ...]:
    """The faults of these names; ValueError listing the valid names for an unknown one."""
    faults = []
    for name in names:
        fault = FAULTS_BY_NAME.get(name.strip())
        if fault is None:
            raise ValueError(f"unknown fault {name!r}; valid faults: {', '.join(FAULTS_BY_NAME)}")
        faults.append(fault)
    return tuple(faults)


@dataclass
class _Injection:
    fault: Fault
    path_contains: str
    remaining: int


@dataclass(frozen=True)
class _RandomFaults:
    rate: float
    faults: tuple[Fault, ...]
    path_contains: str
    rng: random.Random


class FaultPlan:
    """The faults waiting for requests: scripted ones in injection order (FIFO), then random ones."""

    def __init__(self) -> None:
        self._injections: deque[_Injection] = deque()
        self._random: _RandomFaults | None = None
        self._lock = threading.Lock()

    def inject(self, fault: Fault, *, path_contains: str = "", times: int = 1) -> None:
        """The next `times` requests whose path contains `path_contains` get `fault`."""
        if times < 1:
            raise ValueError(f"times must be at least 1, got {times}")
        with self._lock:
            self._injections.append(_Injection(fault, path_contains, times))

    def inject_random(self, rate: float, faults: Sequence[Fault], *, seed: int = 0, path_contains: str = "") -> None:
        """From now on each request whose path contains `path_contains` gets, with probability
        `rate`, one of `faults` chosen by a generator seeded with `seed` (replaces an earlier call)."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"a fault rate is a probability between 0 and 1, got {rate}")
        if rate and not faults:
            raise ValueError("a random fault rate needs at least one fault to choose from")
        with self._lock:
            self._random = _RandomFaults(rate, tuple(faults), path_contains, random.Random(seed))

    def clear(self) -> None:
        """Forget every pending and random fault."""
        with self._lock:
            self._injections.clear()
            self._random = None

    def take(self, path: str) -> Fault | None:
        """The fault for a request to `path`: one use of the oldest matching injection, else a
        random draw."""
        with self._lock:
            for injection in self._injections:
                if injection.path_contains in path:
                    injection.remaining -= 1
                    if not injection.remaining:
                        self._injections.remove(injection)
                    return injection.fault
            chance = self._random
            if chance is None or not chance.rate or chance.path_contains not in path:
                return None
            if chance.rng.random() >= chance.rate:
                return None
            return chance.rng.choice(chance.faults)
