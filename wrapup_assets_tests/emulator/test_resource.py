import dagster as dg
import pytest

from wrapup_assets.emulator.resource import EmbeddedEmulatorResource
from wrapup_assets.genesys.resource import GenesysCloudResource


def test_embedded_emulator_serves_the_client_inside_a_resource_context(capsys):
    resource = EmbeddedEmulatorResource()
    with dg.build_init_resource_context() as context:
        resource.setup_for_execution(context)
        try:
            with resource.get_client() as client:
                assert client.endpoints.api_url.startswith("http://127.0.0.1:")
                assert client.list_wrapup_codes()
                api_url = client.endpoints.api_url
        finally:
            resource.teardown_after_execution(context)
    assert (
        " - WARNING - system - GENESYS EMULATOR: synthetic data, not a real org (NO GENESYS CREDENTIALS "
        f"CONFIGURED: embedded emulator on {api_url})\n"
    ) in capsys.readouterr().err


def test_asset_lists_wrapup_codes_from_the_embedded_emulator_in_a_run_tagged_as_synthetic():
    @dg.asset
    def wrapup_code_count(genesys: GenesysCloudResource) -> int:
        with genesys.get_client() as client:
            return len(client.list_wrapup_codes())

    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [wrapup_code_count], resources={"genesys": EmbeddedEmulatorResource()}, instance=instance
        )
        assert result.success
        assert result.output_for_node("wrapup_code_count") > 0
        assert instance.get_run_by_id(result.run_id).tags["wrapup/genesys"] == "emulator"


def test_a_run_pointed_at_an_emulator_by_url_is_tagged_and_warned_about(emulator):
    @dg.asset
    def wrapup_code_count(genesys: GenesysCloudResource) -> int:
        with genesys.get_client() as client:
            return len(client.list_wrapup_codes())

    resource = GenesysCloudResource(
        api_url=emulator.api_url,
        login_url=emulator.login_url,
        client_id=emulator.config.client_id,
        client_secret=emulator.config.client_secret,
    )
    with dg.instance_for_test() as instance:
        result = dg.materialize([wrapup_code_count], resources={"genesys": resource}, instance=instance)
        assert result.success
        assert instance.get_run_by_id(result.run_id).tags["wrapup/genesys"] == "emulator"
        warnings = [
            record.event_log_entry.user_message
            for record in instance.get_records_for_run(result.run_id).records
            if "GENESYS EMULATOR" in record.event_log_entry.user_message
        ]
    assert warnings == [f"GENESYS EMULATOR: synthetic data, not a real org (plain-http endpoint {emulator.api_url})"]


def test_resource_pointed_at_an_emulator_by_url_reads_its_catalog(emulator):
    resource = GenesysCloudResource(
        api_url=emulator.api_url,
        login_url=emulator.login_url,
        client_id=emulator.config.client_id,
        client_secret=emulator.config.client_secret,
        page_size=5,
    )
    with resource.get_client() as client:
        codes = client.list_wrapup_codes()
    assert {c["id"]: c["name"] for c in codes} == emulator.wrapup_code_labels()


def test_embedded_emulator_faults_come_from_the_environment_and_are_ridden_out(monkeypatch, capsys):
    monkeypatch.setenv("WRAPUP_EMULATOR_FAULT_RATE", "0.5")
    monkeypatch.setenv("WRAPUP_EMULATOR_FAULT_KINDS", "503, drop")
    monkeypatch.setenv("WRAPUP_EMULATOR_FAULT_SEED", "3")
    resource = EmbeddedEmulatorResource(retry_backoff_seconds=0.01, max_attempts=10)
    with dg.build_init_resource_context() as context:
        resource.setup_for_execution(context)
        try:
            emulator = resource._emulator
            api_url = emulator.api_url
            with resource.get_client() as client:
                assert {code["id"] for code in client.list_wrapup_codes()} == set(emulator.wrapup_code_labels())
            faults = {entry.fault for entry in emulator.request_log if entry.fault}
        finally:
            resource.teardown_after_execution(context)
    assert faults <= {"status-503", "drop_connection"} and faults
    assert f"embedded emulator on {api_url}; faulting 50% of requests)" in capsys.readouterr().err


def test_embedded_emulator_fault_settings_are_checked():
    from wrapup_assets.emulator.config import embedded_config_from_environment

    assert embedded_config_from_environment({}).fault_rate == 0.0
    with pytest.raises(ValueError, match="WRAPUP_EMULATOR_FAULT_RATE must be a number between 0 and 1"):
        embedded_config_from_environment({"WRAPUP_EMULATOR_FAULT_RATE": "often"})
    with pytest.raises(ValueError, match="unknown fault 'flood'"):
        embedded_config_from_environment({"WRAPUP_EMULATOR_FAULT_RATE": "0.1", "WRAPUP_EMULATOR_FAULT_KINDS": "flood"})
