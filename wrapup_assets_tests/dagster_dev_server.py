"""`dagster dev` on workspace.yaml in a chosen environment, for tests that drive it over GraphQL."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError

from wrapup_assets.history import HistoryRange, launch_history_backfill

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
STARTUP_SECONDS = 120
BACKFILL_STATUS = """
query Backfill($id: String!) { partitionBackfillOrError(backfillId: $id) { ... on PartitionBackfill { status } } }
"""
BACKFILL_RUNS = """
query Runs($id: String!) {
  runsOrError(filter: {tags: [{key: "dagster/backfill", value: $id}]}) {
    ... on Runs { results { status startTime endTime assetSelection { path } tags { key value } } }
  }
}
"""


def webserver_url(client: DagsterGraphQLClient) -> str:
    """The address of the webserver `client` talks to, as a person would type it."""
    return client._url.removesuffix("/graphql")


def launch_history(client: DagsterGraphQLClient, first_day: str, last_day: str) -> str:
    """The history backfill of those days, launched as `wrapup-assets backfill` (and so as the UI's
    "Materialize -> partition range") launches it; its id."""
    return launch_history_backfill(webserver_url(client), HistoryRange.of_days(first_day, last_day))


def wait_for_backfill(client: DagsterGraphQLClient, backfill_id: str, timeout_seconds: float) -> tuple[str, list[dict]]:
    """The backfill's final status and its runs, once it is no longer requested or cancelling."""
    deadline = time.monotonic() + timeout_seconds
    while (status := client._execute(BACKFILL_STATUS, {"id": backfill_id})["partitionBackfillOrError"]["status"]) in (
        "REQUESTED",
        "CANCELING",
    ):
        if time.monotonic() > deadline:
            raise TimeoutError(f"backfill {backfill_id} still {status} after {timeout_seconds:.0f} s")
        time.sleep(1)
    return status, client._execute(BACKFILL_RUNS, {"id": backfill_id})["runsOrError"]["results"]


def free_port() -> int:
    """A free TCP port on loopback for the webserver."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_dagster_dev(
    home: Path, environment: Mapping[str, str], instance_yaml: str | None = None
) -> Iterator[DagsterGraphQLClient]:
    """`dagster dev` as a user starts it, with the shipped dagster.yaml (or `instance_yaml`) in `home`
    and `environment` on top of this process's (minus its GENESYS_* and WRAPUP_* variables); stopped
    with SIGINT, as dagster ignores SIGTERM in the background."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(instance_yaml or (PROJECT / "dagster.yaml").read_text())
    port = free_port()
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("GENESYS_", "WRAPUP_"))}
    process = subprocess.Popen(
        [str(BIN / "dagster"), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT,
        env={**inherited, "DAGSTER_HOME": str(home), **environment},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    client = DagsterGraphQLClient("127.0.0.1", port_number=port)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                client._execute("{ version }")
                break
            except (DagsterGraphQLClientError, Exception):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(1)
        yield client
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
