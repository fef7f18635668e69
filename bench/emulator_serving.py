"""Emulator serving benchmark: how fast the emulator serves the peak hour (14:00 UTC of 2024-05-01)
to the project's own client, at 50,000 and 500,000 conversations an hour.

    .venv/bin/python bench/emulator_serving.py 50000 500000

For each volume, with an empty render cache directory of its own, three runs, each against a new
emulator process (so the client and the emulator do not share a GIL, as a real API would not):

* ``job cold``: a details job over the hour read by cursor (1,000 per page) while the emulator
  plans and renders the hours it reads into the cache directory;
* ``job warm``: the same pages from a new emulator that finds the hours rendered on disk;
* ``query warm``: the details query paged by `GenesysClient.iter_conversation_detail_pages` (100
  per page, intervals halved past the 100,000-result cap), also from the cache. At 500,000 an
  hour the client refuses it: the conversations still running at 14:00 alone are more than
  100,000, so no half of the hour can be paged (the line says so).

Prints per run: pages, MB of JSON (the served bytes: the pages re-encoded by msgspec, which gives
the same bytes, timed apart and left out), wall seconds, MB/s and the emulator process's CPU
seconds, i.e. how much of the run the emulator itself cost. Compare with the records path, which
turns the same pages into Parquet (bench/records_path.py).
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection

import msgspec

from wrapup_assets.emulator import EmulatorConfig, GenesysEmulator
from wrapup_assets.genesys.client import GenesysClient
from wrapup_assets.genesys.details_jobs import JobPolling, fulfilled_details_job
from wrapup_assets.genesys.errors import PaginationLimitError
from wrapup_assets.genesys.regions import endpoints_from_urls

HOUR = datetime(2024, 5, 1, 14, tzinfo=UTC)
HOUR_END = HOUR + timedelta(hours=1)
UNPACED = 10**9
# A cold 500,000-conversation hour answers its first page only once the hours it reads are
# rendered (minutes), far past the client's 60 s default.
READ_TIMEOUT_SECONDS = 1800
STOP = "stop"


@dataclass(frozen=True)
class RunFigures:
    label: str
    pages: int
    conversations: int
    json_bytes: int
    seconds: float
    emulator_cpu_seconds: float

    def line(self) -> str:
        megabytes = self.json_bytes / 1e6
        return (
            f"  {self.label:<11} {self.pages:>6} pages {self.conversations:>8} conversations "
            f"{megabytes:>8.1f} MB {self.seconds:>7.1f} s {megabytes / self.seconds:>6.1f} MB/s "
            f"emulator CPU {self.emulator_cpu_seconds:>6.1f} s"
        )


def _serve(config: EmulatorConfig, parent: Connection) -> None:
    """The emulator process: sends its URL, then its CPU seconds whenever asked, until told to stop."""
    with GenesysEmulator(config) as emulator:
        parent.send(emulator.api_url)
        while parent.recv() != STOP:
            parent.send(time.process_time())


class EmulatorProcess:
    """An emulator in a child process, reporting the CPU time it has used."""

    def __init__(self, config: EmulatorConfig) -> None:
        self._connection, child = multiprocessing.get_context("spawn").Pipe()
        self._process = multiprocessing.get_context("spawn").Process(target=_serve, args=(config, child))
        self._process.start()
        self.api_url: str = self._connection.recv()

    def cpu_seconds(self) -> float:
        self._connection.send("cpu")
        return self._connection.recv()

    def stop(self) -> None:
        self._connection.send(STOP)
        self._process.join()


def _client(api_url: str, config: EmulatorConfig) -> GenesysClient:
    return GenesysClient(
        endpoints_from_urls(api_url, api_url),
        config.client_id,
        config.client_secret,
        requests_per_minute=UNPACED,
        read_timeout_seconds=READ_TIMEOUT_SECONDS,
        jobs_page_size=1000,
    )


def _query_pages(client: GenesysClient) -> Iterator[dict]:
    return client.iter_conversation_detail_pages(HOUR, HOUR_END)


def _job_pages(client: GenesysClient) -> Iterator[dict]:
    with fulfilled_details_job(client, HOUR, HOUR_END, JobPolling(first_delay_seconds=0.05)) as job_id:
        yield from client.iter_details_job_pages(job_id)


def measure(label: str, config: EmulatorConfig, pages_of) -> RunFigures | str:
    """Pages the hour from a new emulator process; the page re-encoding that counts bytes is timed
    apart and left out of the seconds."""
    emulator = EmulatorProcess(config)
    try:
        with _client(emulator.api_url, config) as client:
            cpu_before = emulator.cpu_seconds()
            began = time.perf_counter()
            pages = conversations = size = 0
            counting = 0.0
            try:
                for page in pages_of(client):
                    counted = time.perf_counter()
                    pages += 1
                    conversations += len(page.get("conversations") or ())
                    size += len(msgspec.json.encode(page))
                    counting += time.perf_counter() - counted
            except PaginationLimitError as error:
                return f"  {label:<11} refused by the client after {pages} pages: {error}"
            seconds = time.perf_counter() - began - counting
            cpu = emulator.cpu_seconds() - cpu_before
    finally:
        emulator.stop()
    return RunFigures(label, pages, conversations, size, seconds, cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("conversations_per_hour", type=int, nargs="+")
    for volume in parser.parse_args().conversations_per_hour:
        with tempfile.TemporaryDirectory(prefix="wrapup-emulator-cache-") as cache_dir:
            config = EmulatorConfig(conversations_per_hour=volume, render_cache_dir=cache_dir)
            runs = [
                measure("job cold", config, _job_pages),
                measure("job warm", config, _job_pages),
                measure("query warm", config, _query_pages),
            ]
        print(f"{volume} conversations per hour, {HOUR:%Y-%m-%d %H:%M} UTC:")
        for run in runs:
            print(run if isinstance(run, str) else run.line(), flush=True)


if __name__ == "__main__":
    main()
