"""Scripted faults: the next matching requests misbehave in a chosen way, for the HTTP client's tests."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    """One way a request can go wrong; build it with the class methods."""

    kind: str
    status_code: int | None = None
    retry_after: int | None = None
    seconds: float = 0.0

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
    def expire_token(cls) -> Fault:
        """Expire every token, then handle the request (which then gets a 401)."""
        return cls("expire_token")


@dataclass
class _Injection:
    fault: Fault
    path_contains: str
    remaining: int


class FaultPlan:
    """The faults waiting for requests, matched in injection order (FIFO)."""

    def __init__(self) -> None:
        self._injections: deque[_Injection] = deque()
        self._lock = threading.Lock()

    def inject(self, fault: Fault, *, path_contains: str = "", times: int = 1) -> None:
        """The next `times` requests whose path contains `path_contains` get `fault`."""
        if times < 1:
            raise ValueError(f"times must be at least 1, got {times}")
        with self._lock:
            self._injections.append(_Injection(fault, path_contains, times))

    def clear(self) -> None:
        """Forget every pending fault."""
        with self._lock:
            self._injections.clear()

    def take(self, path: str) -> Fault | None:
        """The fault for a request to `path`, consuming one use of the oldest matching injection."""
        with self._lock:
            for injection in self._injections:
                if injection.path_contains in path:
                    injection.remaining -= 1
                    if not injection.remaining:
                        self._injections.remove(injection)
                    return injection.fault
        return None
