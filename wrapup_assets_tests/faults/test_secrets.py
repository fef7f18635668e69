"""Secrets: after runs with faults (a revoked token, an expired one, retries) and an auth failure,
neither the client secret, its Basic header, nor any token the emulator issued is anywhere: the
commands' output, DAGSTER_HOME (sqlite run and event storage, compute logs), or the lake. The
resource masks the secret in its repr, and an EnvVar secret never reaches the definitions snapshot."""

import base64
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest
from dagster._core.remote_representation.external_data import RepositorySnap
from dagster._serdes import serialize_value

from wrapup_assets.emulator import EmulatorConfig, Fault, GenesysEmulator
from wrapup_assets.genesys.resource import GenesysCloudResource
from wrapup_assets_tests.commands import clean_environment, materialize_command

SECRET = "leak-canary-secret-4f9e1c"
WRONG_SECRET = "leak-canary-wrong-secret-77ab"
CLIENT_ID = "leak-canary-client"
DETAILS = "/details/query"
CODES = "/wrapupcodes"
MATERIALIZE = materialize_command()


def files_containing(root: Path, needles: list[bytes]) -> list[tuple[str, str]]:
    return [
        (str(path), needle.decode())
        for path in root.rglob("*")
        if path.is_file()
        for needle in needles
        if needle in path.read_bytes()
    ]


def test_no_secret_or_token_survives_faulted_runs_and_an_auth_failure(tmp_path: Path):
    config = EmulatorConfig(
        seed=3,
        conversations_per_hour=30,
        client_id=CLIENT_ID,
        client_secret=SECRET,
        now=datetime(2024, 5, 4, tzinfo=UTC),
    )
    lake, home = tmp_path / "lake", tmp_path / "dagster_home"
    home.mkdir()
    with GenesysEmulator(config) as emulator:
        environment = clean_environment(
            GENESYS_API_URL=emulator.api_url,
            GENESYS_LOGIN_URL=emulator.login_url,
            GENESYS_CLIENT_ID=CLIENT_ID,
            GENESYS_CLIENT_SECRET=SECRET,
            GENESYS_PAGE_SIZE="10",
            GENESYS_RETRY_BACKOFF_SECONDS="0.01",
            WRAPUP_LAKE_URL=str(lake),
            DAGSTER_HOME=str(home),
        )
        for fault, path in [
            (Fault.truncated_body(), "/oauth/token"),
            (Fault.status(503), CODES),
            (Fault.expire_token(), CODES),  # a 401, a new token, the call repeated
            (Fault.revoke_token(), DETAILS),  # the same with the second token
            (Fault.status(429), DETAILS),
        ]:
            emulator.faults.inject(fault, path_contains=path)
        faulted = subprocess.run(MATERIALIZE, env=environment, capture_output=True, timeout=300)
        refused_token = subprocess.run(
            MATERIALIZE,
            env={**environment, "GENESYS_CLIENT_SECRET": WRONG_SECRET},
            capture_output=True,
            timeout=300,
        )
        emulator.faults.inject(Fault.status(401), path_contains=CODES, times=2)
        refused_call = subprocess.run(MATERIALIZE, env=environment, capture_output=True, timeout=300)
        tokens = emulator.issued_tokens()
        expected = emulator.expected_records(datetime(2024, 5, 1, 9, tzinfo=UTC))
        served_faults = [entry.fault for entry in emulator.request_log if entry.fault]

    assert faulted.returncode == 0, faulted.stderr.decode()[-3000:]
    assert served_faults == [
        "truncated_body",
        "status-503",
        "expire_token",
        "revoke_token",
        "status-429",
        "status-401",
        "status-401",
    ]
    rows = pq.read_table(lake / "wrapup_records/year=2024/month=05/day=01/hour=09/part-00000.parquet").to_pylist()
    assert len(rows) == len(expected) > 0
    assert refused_token.returncode != 0
    assert b"check GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET" in refused_token.stdout + refused_token.stderr
    assert refused_call.returncode != 0
    assert b"a freshly issued token was refused too" in refused_call.stdout + refused_call.stderr

    assert len(tokens) >= 4
    basic = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode())
    wrong_basic = base64.b64encode(f"{CLIENT_ID}:{WRONG_SECRET}".encode())
    needles = [SECRET.encode(), WRONG_SECRET.encode(), basic, wrong_basic, *(token.encode() for token in tokens)]
    for run in (faulted, refused_token, refused_call):
        output = run.stdout + run.stderr
        assert [needle for needle in needles if needle in output] == []
    assert any(path.suffix == ".db" for path in home.rglob("*"))  # the sqlite storages were scanned
    assert files_containing(home, needles) == []
    assert files_containing(lake, needles) == []


def test_the_resource_masks_the_secret_in_repr_and_str():
    resource = GenesysCloudResource(region="mypurecloud.ie", client_id="id", client_secret=SECRET)
    assert "client_secret='***'" in repr(resource)
    assert SECRET not in repr(resource) and SECRET not in str(resource)
    assert resource.client_secret == SECRET


@pytest.mark.parametrize("through_env_var", [True, False], ids=["EnvVar", "literal"])
def test_only_an_env_var_secret_stays_out_of_the_definitions_snapshot(monkeypatch, through_env_var: bool):
    """The snapshot is what the UI and the run storage see of a resource's config: an EnvVar is
    stored by name, a literal by value (so the README says: secrets only through EnvVar)."""
    monkeypatch.setenv("GENESYS_CLIENT_SECRET", SECRET)
    secret = dg.EnvVar("GENESYS_CLIENT_SECRET") if through_env_var else SECRET

    @dg.asset
    def uses_genesys(genesys: GenesysCloudResource) -> None: ...

    resource = GenesysCloudResource(region="mypurecloud.ie", client_id="id", client_secret=secret)
    defs = dg.Definitions(assets=[uses_genesys], resources={"genesys": resource})
    snapshot = serialize_value(RepositorySnap.from_def(defs.get_repository_def()))
    assert "GENESYS_CLIENT_SECRET" in snapshot if through_env_var else True
    assert (SECRET in snapshot) is not through_env_var
