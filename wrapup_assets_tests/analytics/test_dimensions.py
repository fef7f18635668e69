"""The directory histories against the emulator: personal data, versions as the org changes, and
the command a user types."""

import hashlib
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import requests

from wrapup_assets.assets import ALL_ASSETS
from wrapup_assets.assets.dimensions import genesys_queues, genesys_users
from wrapup_assets.emulator import EmulatorConfig, GenesysEmulator
from wrapup_assets.emulator.directory import SAVE_DESK_RENAMED, USER_DELETED, directory_for_seed
from wrapup_assets_tests.analytics.conftest import CONFIG, SummarizedDay
from wrapup_assets_tests.commands import BIN, clean_environment
from wrapup_assets_tests.runs import emulator_resources

EVERY_USER = directory_for_seed(CONFIG.seed).user_entities(10**15, "any")


def personal_values() -> set[str]:
    return {user[field] for user in EVERY_USER for field in ("name", "email")}


def test_users_hold_no_name_or_email_by_default_anywhere(summarized_day: SummarizedDay):
    lake_bytes = b"".join(path.read_bytes() for path in (summarized_day.lake / "genesys_users").iterdir())
    users = pq.read_table(summarized_day.lake / "genesys_users").to_pylist()
    events = summarized_day.instance.fetch_materializations(dg.AssetKey("genesys_users"), limit=10).records
    assert events
    stored_metadata = str([record.asset_materialization.metadata for record in events])

    assert {user["state"] for user in users} == {"active", "inactive", "deleted"}
    assert {(user["name"], user["email"]) for user in users} == {(None, None)}
    leaked = [value for value in personal_values() if value.encode() in lake_bytes or value in stored_metadata]
    assert leaked == []


def test_personal_data_keep_and_hash_are_run_config(emulator_at_june: GenesysEmulator, tmp_path: Path):
    stored = {}
    for choice in ("keep", "hash"):
        lake = tmp_path / choice
        with dg.instance_for_test() as instance:
            assert dg.materialize(
                ALL_ASSETS,
                selection=[genesys_users],
                resources=emulator_resources(emulator_at_june, str(lake)),
                instance=instance,
                run_config={"ops": {"genesys_users": {"config": {"personal_data": choice}}}},
            ).success
        stored[choice] = {row["user_id"]: row for row in pq.read_table(lake / "genesys_users").to_pylist()}

    for user in EVERY_USER:
        assert (stored["keep"][user["id"]]["name"], stored["keep"][user["id"]]["email"]) == (
            user["name"],
            user["email"],
        )
        assert stored["hash"][user["id"]]["email"] == hashlib.sha256(user["email"].lower().encode()).hexdigest()


def test_an_unknown_personal_data_choice_fails_naming_the_setting(emulator_at_june: GenesysEmulator, tmp_path: Path):
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            ALL_ASSETS,
            selection=[genesys_users],
            resources=emulator_resources(emulator_at_june, str(tmp_path / "lake")),
            instance=instance,
            run_config={"ops": {"genesys_users": {"config": {"personal_data": "plain"}}}},
            raise_on_error=False,
        )
    assert not result.success
    failure = result.failure_data_for_node("genesys_users").error.message
    assert "personal_data must be one of ['omit', 'keep', 'hash'], got 'plain'" in failure
    assert not (tmp_path / "lake" / "genesys_users").exists()


def test_refreshes_on_either_side_of_a_rename_and_a_deletion_keep_both_versions(tmp_path: Path):
    lake = tmp_path / "lake"
    before, after = datetime(2024, 4, 1, tzinfo=UTC), datetime(2024, 5, 2, tzinfo=UTC)
    with dg.instance_for_test() as instance:
        for now in (before, after):
            with GenesysEmulator(EmulatorConfig(seed=CONFIG.seed, now=now)) as emulator:
                assert dg.materialize(
                    ALL_ASSETS,
                    selection=[genesys_queues, genesys_users],
                    resources=emulator_resources(emulator, str(lake)),
                    instance=instance,
                ).success
    queues = pq.read_table(lake / "genesys_queues").to_pylist()
    users = pq.read_table(lake / "genesys_users").to_pylist()

    renamed_at = datetime.fromisoformat(SAVE_DESK_RENAMED)
    retention = [(q["name"], q["valid_to"], q["is_current"]) for q in queues if q["name"] in ("Save Desk", "Retention")]
    assert retention == [("Save Desk", renamed_at, False), ("Retention", None, True)]
    promotion = [(q["state"], q["is_current"]) for q in queues if q["name"] == "Spring Promotion"]
    assert promotion == [("active", False), ("deleted", True)]  # no longer listed: deleted at the refresh
    deleted_user = next(u for u in EVERY_USER if u["state"] == "deleted")["id"]
    versions = [(u["state"], u["is_current"]) for u in users if u["user_id"] == deleted_user]
    assert versions == [("active", False), ("deleted", True)]
    assert datetime.fromisoformat(USER_DELETED) < after


def listing(emulator: GenesysEmulator, path: str, **params: str) -> list[dict]:
    """What the emulator serves, read with plain HTTP: every page of an entity listing."""
    token = requests.post(
        emulator.login_url + "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(emulator.config.client_id, emulator.config.client_secret),
        timeout=10,
    ).json()["access_token"]
    entities, page = [], 1
    while True:
        body = requests.get(
            emulator.api_url + path,
            params={"pageSize": 7, "pageNumber": page, **params},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).json()
        entities += body["entities"]
        if page >= body["pageCount"]:
            return entities
        page += 1


def test_dagster_asset_materialize_writes_the_current_directory_the_api_serves(
    emulator_at_june: GenesysEmulator, tmp_path: Path
):
    lake, home = tmp_path / "lake", tmp_path / "home"
    home.mkdir()
    command = [str(BIN / "dagster"), "asset", "materialize", "-m", "wrapup_assets.definitions"]
    run = subprocess.run(
        [*command, "--select", "genesys_queues,genesys_users,genesys_divisions"],
        env=clean_environment(
            GENESYS_API_URL=emulator_at_june.api_url,
            GENESYS_LOGIN_URL=emulator_at_june.login_url,
            GENESYS_CLIENT_ID=emulator_at_june.config.client_id,
            GENESYS_CLIENT_SECRET=emulator_at_june.config.client_secret,
            WRAPUP_LAKE_URL=str(lake),
            DAGSTER_HOME=str(home),
        ),
        capture_output=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr.decode()[-3000:]

    def current(dataset: str, *columns: str) -> set[tuple]:
        rows = pq.read_table(lake / dataset).to_pylist()
        return {tuple(row[column] for column in columns) for row in rows if row["is_current"]}

    served_queues = listing(emulator_at_june, "/api/v2/routing/queues")
    served_users = listing(emulator_at_june, "/api/v2/users", state="any")
    served_divisions = listing(emulator_at_june, "/api/v2/authorization/divisions")
    deleted_divisions = listing(emulator_at_june, "/api/v2/authorization/divisions/deleted")
    assert current("genesys_queues", "queue_id", "name", "division_id", "state") == {
        (q["id"], q["name"], q["division"]["id"], "active") for q in served_queues
    }
    assert current("genesys_divisions", "division_id", "name", "state") == {
        (d["id"], d["name"], "active") for d in served_divisions
    } | {(d["id"], d["name"], "deleted") for d in deleted_divisions}
    assert current("genesys_users", "user_id", "state", "division_id", "department") == {
        (u["id"], u["state"], u["division"]["id"], u["department"]) for u in served_users
    }
    assert {u["state"] for u in served_users} == {"active", "inactive", "deleted"}
