"""A throwaway PostgreSQL 15 cluster on loopback, started from the binaries the project's machines have.

``initdb`` and ``pg_ctl`` refuse to run as root (the tests do), so they run as the ``postgres`` user
(``runuser``) on a data directory that user owns, in a temporary directory outside pytest's
root-only tmp tree. The cluster listens on 127.0.0.1 only, on a free port, with password
authentication, durability switched off (a test cluster need not survive a power cut), and is
stopped and deleted afterwards. Each test gets its own database (``create_database``), so one
cluster serves a whole session.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_OS_USER = "postgres"
SUPERUSER = "dagster"
START_TIMEOUT_SECONDS = 60


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL 15 binaries or the ``postgres`` OS user are missing: the tests that need them skip."""


@dataclass(frozen=True)
class PostgresCluster:
    """A running cluster: where it listens and the superuser that Dagster connects as."""

    host: str
    port: int
    username: str
    password: str

    def url(self, database: str) -> str:
        """The SQLAlchemy URL with the driver named, as deploy/dagster.production.yaml builds it."""
        return f"postgresql+psycopg2://{self.username}:{self.password}@{self.host}:{self.port}/{database}"

    def environment(self, database: str) -> dict[str, str]:
        """The DAGSTER_PG_* variables of deploy/dagster.production.yaml, pointing at ``database``."""
        return {
            "DAGSTER_PG_HOST": self.host,
            "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_DB": database,
            "DAGSTER_PG_USERNAME": self.username,
            "DAGSTER_PG_PASSWORD": self.password,
        }

    def create_database(self, prefix: str = "dagster") -> str:
        """A new, empty database; its name."""
        import psycopg2  # installed with dagster-postgres (the production extra)

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        connection = psycopg2.connect(
            host=self.host, port=self.port, user=self.username, password=self.password, dbname="postgres"
        )
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        finally:
            connection.close()
        return name


def require_binaries() -> None:
    """Raise PostgresUnavailable naming what is missing."""
    missing = [str(PG_BIN / tool) for tool in ("initdb", "pg_ctl", "postgres") if not (PG_BIN / tool).is_file()]
    if missing:
        found = ", ".join(missing)
        raise PostgresUnavailable(f"PostgreSQL 15 binaries not found: {found} (apt-get install postgresql-15)")
    try:
        pwd.getpwnam(PG_OS_USER)
    except KeyError as error:
        raise PostgresUnavailable(f"no {PG_OS_USER!r} OS user to run the PostgreSQL binaries as") from error
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        raise PostgresUnavailable("runuser is missing: cannot start PostgreSQL as the postgres user")


@contextlib.contextmanager
def running_cluster() -> Iterator[PostgresCluster]:
    """Start a cluster, yield it, then stop it and delete its files (PostgresUnavailable if it cannot run)."""
    require_binaries()
    owner = pwd.getpwnam(PG_OS_USER)
    base = Path(tempfile.mkdtemp(prefix="wrapup-postgres-"))
    password = uuid.uuid4().hex
    try:
        os.chown(base, owner.pw_uid, owner.pw_gid)
        base.chmod(0o700)
        password_file = base / "password"
        password_file.write_text(password)
        os.chown(password_file, owner.pw_uid, owner.pw_gid)
        data = base / "data"
        _as_postgres(
            PG_BIN / "initdb",
            f"--pgdata={data}",
            f"--username={SUPERUSER}",
            f"--pwfile={password_file}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--no-sync",
        )
        port = _free_port()
        options = " ".join(
            [
                "-c listen_addresses=127.0.0.1",
                f"-c port={port}",
                f"-c unix_socket_directories={base}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=200",
            ]
        )
        _as_postgres(
            PG_BIN / "pg_ctl",
            "start",
            f"--pgdata={data}",
            f"--log={base / 'server.log'}",
            f"--options={options}",
            "--wait",
            f"--timeout={START_TIMEOUT_SECONDS}",
        )
        try:
            yield PostgresCluster(host="127.0.0.1", port=port, username=SUPERUSER, password=password)
        finally:
            _as_postgres(PG_BIN / "pg_ctl", "stop", f"--pgdata={data}", "--mode=immediate", "--wait")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _as_postgres(*command: object) -> None:
    arguments = [str(part) for part in command]
    if os.geteuid() == 0:
        arguments = ["runuser", "-u", PG_OS_USER, "--", *arguments]
    completed = subprocess.run(arguments, capture_output=True, text=True, timeout=START_TIMEOUT_SECONDS + 30)
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(arguments)} failed ({completed.returncode}): {completed.stderr[-2000:]}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
