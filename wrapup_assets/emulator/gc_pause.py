"""Pausing Python's cyclic garbage collector while an hour of conversations is built.

Plans and rendered conversations hold no reference cycles, so the collector never frees any of
them, yet each full collection walks every live one: at 50,000 conversations an hour that was 40%
of planning. Reference counting still frees everything as usual while it is paused.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager


class _CollectorPause:
    """Counts the blocks (threads) that want the collector paused; the last one out resumes it,
    and only if it was enabled when the first one came in."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._was_enabled = False

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._lock:
            if self._holders == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if self._holders == 0 and self._was_enabled:
                    gc.enable()


_PAUSE = _CollectorPause()


def cyclic_gc_paused() -> AbstractContextManager[None]:
    """No cyclic collection inside the `with` block (nested and concurrent blocks are fine)."""
    return _PAUSE.held()
