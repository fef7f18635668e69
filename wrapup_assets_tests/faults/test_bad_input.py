"""Bad input: every Genesys setting that is missing or malformed fails before any API call with a
message naming it; partitions outside the definition are refused by Dagster before any run; a
malformed conversation is never dropped silently."""

import subprocess
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wrapup_assets.emulator import EmulatorConfig, Fault, GenesysEmulator
from wrapup_assets.genesys.errors import GenesysSettingsError
from wrapup_assets.genesys.regions import REGION_API_HOSTS
from wrapup_assets.genesys.resource import TUNING_VARIABLES, GenesysCloudResource
from wrapup_assets.lake.io_manager import TEMPORARY_INSTANCE_WARNING
from wrapup_assets.settings import SettingsError, settings_from_environment
from wrapup_assets_tests.commands import BIN, clean_environment, materialize_command, org_environment

from .conftest import HOUR, materialize_hour, pipeline_resources, sorted_rows

VALID = {"region": "mypurecloud.ie", "client_id": "id", "client_secret": "s3"}
NUMERIC_VARIABLES = [variable for variable, (_, kind) in TUNING_VARIABLES.items() if kind is not str]


@pytest.mark.parametrize("variable", NUMERIC_VARIABLES)
def test_a_non_numeric_tuning_variable_is_named(variable: str):
    with pytest.raises(SettingsError) as raised:
        settings_from_environment({variable: "lots"})
    kind = TUNING_VARIABLES[variable][1]
    assert raised.value.problems == [f"{variable} must be {'an integer' if kind is int else 'a number'}, got 'lots'"]


@pytest.mark.parametrize("variable", NUMERIC_VARIABLES)
def test_a_tuning_value_that_is_not_positive_is_named_before_any_call(variable: str):
    field, kind = TUNING_VARIABLES[variable]
    with pytest.raises(GenesysSettingsError) as raised:
        GenesysCloudResource(**VALID, **{field: kind(0)}).get_client()
    assert str(raised.value) == f"{variable} ({field}) must be positive, got {kind(0)}"


def test_an_unknown_region_lists_the_valid_ones():
    with pytest.raises(GenesysSettingsError) as raised:
        GenesysCloudResource(**{**VALID, "region": "mypurecloud.moon"}).get_client()
    message = str(raised.value)
    assert message.startswith("GENESYS_REGION 'mypurecloud.moon' is not a Genesys Cloud region; valid regions: ")
    assert all(region in message for region in REGION_API_HOSTS)


@pytest.mark.parametrize(
    "api_url, message",
    [
        ("api.mypurecloud.ie", "GENESYS_API_URL must be a URL of scheme and host only"),
        ("https://api.mypurecloud.ie/api/v2", "GENESYS_API_URL must be scheme and host only, without path"),
        ("http://api.mypurecloud.ie", "GENESYS_API_URL must use https"),
        ("https://user:hunter2@api.mypurecloud.ie", "GENESYS_API_URL must not contain credentials"),
    ],
    ids=["no scheme", "a path", "plain http off loopback", "credentials"],
)
def test_a_malformed_api_url_is_named_and_credentials_in_it_are_not_echoed(api_url: str, message: str):
    settings = {
        "api_url": api_url,
        "login_url": "https://login.mypurecloud.ie",
        "client_id": "id",
        "client_secret": "s",
    }
    with pytest.raises(GenesysSettingsError) as raised:
        GenesysCloudResource(**settings).get_client()
    assert str(raised.value).startswith(message)
    assert "hunter2" not in str(raised.value)


def run_materialize(tmp_path: Path, partition: str, **variables: str) -> subprocess.CompletedProcess:
    command = [str(BIN / "dagster"), "asset", "materialize", "-m", "wrapup_assets.definitions"]
    environment = clean_environment(WRAPUP_LAKE_URL=str(tmp_path / "lake"), DAGSTER_HOME=str(tmp_path), **variables)
    return subprocess.run(
        [*command, "--select", "raw_conversation_pages", "--partition", partition],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_an_unknown_region_fails_the_command_naming_the_variable(tmp_path: Path):
    run = run_materialize(
        tmp_path,
        "2024-05-01-09:00",
        GENESYS_REGION="mypurecloud.moon",
        GENESYS_CLIENT_ID="id",
        GENESYS_CLIENT_SECRET="s",
    )
    assert run.returncode != 0
    assert "GENESYS_REGION 'mypurecloud.moon' is not a Genesys Cloud region; valid regions: " in run.stdout + run.stderr
    assert not (tmp_path / "lake").exists()


def test_only_a_client_id_fails_before_any_run_naming_the_region_and_both_ways_to_connect(tmp_path: Path):
    run = run_materialize(tmp_path, "2024-05-01-09:00", GENESYS_CLIENT_ID="id")
    assert run.returncode != 0
    last_lines = run.stderr.strip().splitlines()[-2:]
    assert last_lines == [
        "wrapup_assets.settings.SettingsError: wrapup-assets cannot start, fix these settings:",
        "  - Genesys connection incomplete: GENESYS_REGION (or GENESYS_API_URL + GENESYS_LOGIN_URL), "
        "GENESYS_CLIENT_SECRET not set (found GENESYS_CLIENT_ID); set GENESYS_REGION (e.g. mypurecloud.ie) or "
        "GENESYS_API_URL + GENESYS_LOGIN_URL (e.g. https://api.mypurecloud.ie and https://login.mypurecloud.ie), "
        "together with GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET; or unset every GENESYS_* variable to run on "
        "the embedded emulator",
    ]
    assert not (tmp_path / "lake").exists() and not (tmp_path / "storage").exists()


def test_a_lake_url_with_one_slash_is_refused_before_any_api_call_and_writes_nothing(tmp_path: Path):
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    with GenesysEmulator(EmulatorConfig()) as emulator:
        run = subprocess.run(
            materialize_command(),
            env=clean_environment(
                WRAPUP_LAKE_URL="s3:/x/y",
                DAGSTER_HOME=str(home),
                **org_environment(emulator),
            ),
            cwd=work,
            capture_output=True,
            text=True,
            timeout=300,
        )
        requests_seen = emulator.request_log
    assert run.returncode != 0
    assert run.stderr.strip().splitlines()[-1] == (
        "  - WRAPUP_LAKE_URL='s3:/x/y' looks like a URL but is not one (a scheme needs '://'); "
        "use a local directory path (e.g. ./data/lake) or s3://bucket/prefix"
    )
    assert requests_seen == []
    assert list(work.iterdir()) == []


def test_a_run_without_dagster_home_is_written_but_warns_that_the_ui_will_never_show_it(tmp_path: Path):
    work = tmp_path / "work"
    work.mkdir()
    with GenesysEmulator(EmulatorConfig()) as emulator:
        run = subprocess.run(
            materialize_command(select="raw_conversation_pages"),
            env=clean_environment(
                WRAPUP_LAKE_URL=str(tmp_path / "lake"),
                **org_environment(emulator),
            ),
            cwd=work,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stderr.count(TEMPORARY_INSTANCE_WARNING) == 1
    assert sorted(path.name for path in (tmp_path / "lake" / "raw_conversation_pages").rglob("*.zst")) == [
        "pages.jsonl.zst"
    ]
    assert list(work.iterdir()) == []  # Dagster's temporary instance is gone with the command


@pytest.mark.parametrize("kept", [True, False], ids=["kept instance", "ephemeral instance"])
def test_only_a_run_on_an_instance_that_is_not_kept_warns_about_dagster_home(
    fault_emulator, lake_dir, instance, kept: bool
):
    run_instance = instance if kept else dg.DagsterInstance.ephemeral()
    result = materialize_hour(pipeline_resources(fault_emulator, lake_dir), run_instance)
    messages = [event.message for event in run_instance.all_logs(result.run_id)]
    assert result.success and "GENESYS EMULATOR" in " ".join(messages)
    assert messages.count(TEMPORARY_INSTANCE_WARNING) == (0 if kept else 1)


@pytest.mark.parametrize("partition", ["2099-01-01-00:00", "2023-12-31-23:00"], ids=["future", "before the start"])
def test_a_partition_outside_the_definition_is_refused_before_any_api_call(tmp_path: Path, partition: str):
    with GenesysEmulator(EmulatorConfig()) as emulator:
        run = run_materialize(
            tmp_path,
            partition,
            **org_environment(emulator),
            WRAPUP_START_DATE="2024-01-01",
        )
        requests_seen = emulator.request_log
    assert run.returncode != 0
    # Dagster's own refusal, before any run is created: it names the key, not the valid range.
    assert (
        "All selected assets must have a PartitionsDefinition containing the passed partition key "
        f"`{partition}` or have no PartitionsDefinition." in run.stderr
    )
    assert requests_seen == []
    assert not (tmp_path / "lake").exists()


def test_a_malformed_conversation_is_never_dropped_silently(fault_emulator, lake_dir, instance):
    """The hour either lands with the bad conversation counted (and set aside), or fails naming it.

    Which one depends on the quarantine threshold (issue 3): both are accepted here, a silent drop
    is not."""
    fault_emulator.faults.inject(Fault.malformed_conversation(), path_contains="/details/query")
    result = materialize_hour(pipeline_resources(fault_emulator, lake_dir), instance)

    raw = lake_dir / "raw_conversation_pages/year=2024/month=05/day=01/hour=09/pages.jsonl.zst"
    with pa.input_stream(str(raw), compression="zstd") as stream:
        first_page = stream.read().decode().splitlines()[0]
    assert '"futurePageField":true' in first_page
    broken_id = first_page.split('"conversationId":"', 1)[1].split('"', 1)[0]
    materialization = result.asset_materializations_for_node("wrapup_records")
    evaluations = result.get_asset_check_evaluations()
    if result.success and all(evaluation.passed for evaluation in evaluations):
        metadata = {key: value.value for key, value in materialization[0].metadata.items()}
        assert metadata["conversations_malformed"] == 1
        records = lake_dir / "wrapup_records/year=2024/month=05/day=01/hour=09/part-00000.parquet"
        expected = [row for row in fault_emulator.expected_records(HOUR) if row["interaction_id"] != broken_id]
        assert sorted_rows(pq.read_table(records).to_pylist()) == sorted_rows(expected)
    else:
        failed = [evaluation for evaluation in evaluations if not evaluation.passed]
        explanations = " ".join(
            str(evaluation.description) + str({k: v.value for k, v in evaluation.metadata.items()})
            for evaluation in failed
        ) + " ".join(event.step_failure_data.error.message for event in result.get_step_failure_events())
        assert broken_id in explanations or "conversationStart" in explanations
