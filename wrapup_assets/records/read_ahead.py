"""An iterator run one bounded step ahead of its consumer, in a background thread.

Parquet decoding, Arrow kernels and polars all release the GIL, so on a machine with two cores the
next batches of a file can be read while the current one is checked or encoded. The queue bounds
what is held: at most `depth` items waiting plus the one being produced and the one being consumed.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_POLL_SECONDS = 0.1
_END = object()


def read_ahead(items: Iterable[T], depth: int = 2, name: str = "read-ahead") -> Iterator[T]:
    """The items of `items` in order, produced by a thread at most `depth` items ahead.

    An exception raised while producing is raised here, at the item it replaced. Leaving the loop
    early (or an error in the consumer) stops the thread before this generator finishes, so no
    file stays open behind the caller's back.
    """
    waiting: queue.Queue = queue.Queue(maxsize=depth)
    stopped = threading.Event()

    def put(item: object) -> bool:
        while not stopped.is_set():
            try:
                waiting.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        iterator = iter(items)
        try:
            for item in iterator:
                if not put((item, None)):
                    return
            put((_END, None))
        except BaseException as error:  # handed to the consumer, which re-raises it
            put((_END, error))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()  # a generator stopped early closes its files now, not at garbage collection

    thread = threading.Thread(target=produce, name=name, daemon=True)
    thread.start()
    try:
        while True:
            item, error = waiting.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item
    finally:
        stopped.set()
        thread.join()
