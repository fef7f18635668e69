"""Worker processes that decode and flatten chunks of details pages, so a large hour uses every core.

msgspec holds the GIL while it decodes, so threads do not help: the pages go to child processes.
They are started with `python -m wrapup_assets.records.page_workers`, not through multiprocessing:
spawn and forkserver children re-import the parent's `__main__`, which under `dagster asset
materialize` is the Dagster CLI (a second of imports and ~150 MiB per worker). A worker imports
only msgspec, pyarrow and the records modules.

The protocol is one pickle per message over the child's stdin and stdout: the window and code
labels once, then `(first_page_number, pages)` per chunk, answered in order by a `PageChunkRows`
or by the exception that chunk raised (re-raised in the parent with its type and message). One
writer thread per worker feeds its stdin, so the parent never blocks writing a chunk to a worker
that is itself blocked writing a result nobody reads yet.
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
import traceback
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import IO, Any

from wrapup_assets.records.page_chunks import PageChunk, PageChunkRows, flatten_page_chunk

MAX_WORKERS = 4
"""More workers than this only add pipes and memory: the parent's own share (reading and
decompressing pages, sorting, Parquet) is then the bottleneck."""
CHUNKS_IN_FLIGHT_PER_WORKER = 2
"""Chunks sent but not yet answered, per worker: one being flattened, one queued behind it."""


def available_workers() -> int:
    """The worker count for this process: the cores it may run on, capped at MAX_WORKERS."""
    return min(len(os.sched_getaffinity(0)), MAX_WORKERS)


class PageWorkerDied(RuntimeError):
    """A worker process exited without answering (killed, out of memory, crashed interpreter)."""


class _Worker:
    """One child process, with the thread that writes its requests."""

    def __init__(self, settings: tuple[datetime, datetime, Mapping[str, str]]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True
        )
        self._requests: queue.Queue[Any] = queue.Queue()
        self._writer = threading.Thread(target=self._write_requests, name="records-page-worker-writer", daemon=True)
        self._writer.start()
        self.send(settings)

    def _write_requests(self) -> None:
        stdin = self.process.stdin
        try:
            while (request := self._requests.get()) is not None:
                pickle.dump(request, stdin, protocol=pickle.HIGHEST_PROTOCOL)
                stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the worker is gone; receive() reports it with its exit code
        finally:
            try:
                stdin.close()
            except OSError:
                pass

    def send(self, request: Any) -> None:
        self._requests.put(request)

    def receive(self) -> Any:
        """The next answer, or the worker's exception re-raised here."""
        try:
            answer = pickle.load(self.process.stdout)
        except (EOFError, pickle.UnpicklingError):  # its output ended, before or inside an answer
            code = self.process.wait()
            raise PageWorkerDied(f"records page worker {self.process.pid} exited with code {code}") from None
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def stop(self, wait: bool) -> None:
        """Close the worker's input (it exits at EOF); kill it when its results are no longer wanted."""
        self._requests.put(None)
        if not wait:
            self.process.kill()
        self._writer.join()
        self.process.stdout.close()
        self.process.wait()


class PageWorkers:
    """A fixed set of worker processes flattening page chunks; a context manager that always stops them."""

    def __init__(
        self, count: int, window_start: datetime, window_end: datetime, code_labels: Mapping[str, str]
    ) -> None:
        if count < 1:
            raise ValueError(f"a worker pool needs at least one worker, got {count}")
        self._settings = (window_start, window_end, dict(code_labels))
        self._count = count
        self._workers: list[_Worker] = []
        self._finished_cleanly = False

    def flatten_chunks(self, chunks: Iterable[PageChunk]) -> Iterator[tuple[PageChunk, PageChunkRows]]:
        """Each chunk with its `PageChunkRows`, in the order the chunks came; at most a few held at once.

        Workers are started with the first chunk, so an input without chunks starts none."""
        sent: deque[tuple[_Worker, PageChunk]] = deque()
        for sequence, chunk in enumerate(chunks):
            if len(self._workers) < self._count:
                self._workers.append(_Worker(self._settings))
            worker = self._workers[sequence % self._count]
            worker.send(chunk)
            sent.append((worker, chunk))
            if len(sent) >= self._count * CHUNKS_IN_FLIGHT_PER_WORKER:
                yield self._answer(*sent.popleft())
        while sent:
            yield self._answer(*sent.popleft())
        self._finished_cleanly = True

    @staticmethod
    def _answer(worker: _Worker, chunk: PageChunk) -> tuple[PageChunk, PageChunkRows]:
        return chunk, worker.receive()

    def __enter__(self) -> PageWorkers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for worker in self._workers:
            worker.stop(wait=self._finished_cleanly)


def _serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The worker loop: flatten each chunk received, answer with its rows or with its exception."""
    window_start, window_end, code_labels = pickle.load(stdin)
    while True:
        try:
            first_page_number, pages = pickle.load(stdin)
        except EOFError:
            return
        try:
            answer: Any = flatten_page_chunk(window_start, window_end, code_labels, first_page_number, pages)
        except Exception as error:  # noqa: BLE001 - every error goes back to the parent, which re-raises it
            answer = _picklable(error)
        pickle.dump(answer, stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()


def _picklable(error: Exception) -> Exception:
    """The error itself when it survives pickling, else a RuntimeError carrying its traceback."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - any pickling failure means: send the text instead
        return RuntimeError("".join(traceback.format_exception(error)))
    return error


if __name__ == "__main__":
    # The protocol owns the real stdout; anything printed by accident goes to stderr instead.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    _serve(sys.stdin.buffer, answers)
