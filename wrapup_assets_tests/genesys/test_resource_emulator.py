import dagster as dg
import pytest

from wrapup_assets.genesys.resource import GenesysCloudResource, genesys_resource_from_environment


def test_embedded_emulator_serves_the_client_inside_a_resource_context(capsys):
    resource = GenesysCloudResource(use_embedded_emulator=True)
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
        " - WARNING - system - NO GENESYS CREDENTIALS CONFIGURED: using the embedded Genesys "
        f"Cloud emulator on {api_url} — synthetic data, not your org\n"
    ) in capsys.readouterr().err


def test_asset_lists_wrapup_codes_from_the_embedded_emulator_without_credentials():
    @dg.asset
    def wrapup_code_count(genesys: GenesysCloudResource) -> int:
        with genesys.get_client() as client:
            return len(client.list_wrapup_codes())

    result = dg.materialize([wrapup_code_count], resources={"genesys": genesys_resource_from_environment({})})
    assert result.success
    assert result.output_for_node("wrapup_code_count") > 0


def test_resource_pointed_at_an_emulator_by_url_reads_its_catalog(genesys_emulator):
    from .conftest import CLIENT_ID, SECRET

    resource = GenesysCloudResource(
        api_url=genesys_emulator.api_url,
        login_url=genesys_emulator.login_url,
        client_id=CLIENT_ID,
        client_secret=SECRET,
        page_size=5,
    )
    with resource.get_client() as client:
        codes = client.list_wrapup_codes()
    assert {c["id"]: c["name"] for c in codes} == genesys_emulator.wrapup_code_labels()


def test_embedded_emulator_faults_come_from_the_environment_and_are_ridden_out(monkeypatch, capsys):
    monkeypatch.setenv("WRAPUP_EMULATOR_FAULT_RATE", "0.5")
    monkeypatch.setenv("WRAPUP_EMULATOR_FAULT_KINDS", "503, drop")
    monkeypatch.setenv("WRAPUP_EMULATOR_FAULT_SEED", "3")
    resource = GenesysCloudResource(use_embedded_emulator=True, retry_backoff_seconds=0.01, max_attempts=10)
    with dg.build_init_resource_context() as context:
        resource.setup_for_execution(context)
        try:
            emulator = resource._emulator
            with resource.get_client() as client:
                assert {code["id"] for code in client.list_wrapup_codes()} == set(emulator.wrapup_code_labels())
            faults = {entry.fault for entry in emulator.request_log if entry.fault}
        finally:
            resource.teardown_after_execution(context)
    assert faults <= {"status-503", "drop_connection"} and faults
    assert "synthetic data, not your org; faulting 50% of requests" in capsys.readouterr().err


def test_embedded_emulator_fault_settings_are_checked():
    from wrapup_assets.emulator.config import embedded_config_from_environment

    assert embedded_config_from_environment({}).fault_rate == 0.0
    with pytest.raises(ValueError, match="WRAPUP_EMULATOR_FAULT_RATE must be a number between 0 and 1"):
        embedded_config_from_environment({"WRAPUP_EMULATOR_FAULT_RATE": "often"})
    with pytest.raises(ValueError, match="unknown fault 'flood'"):
        embedded_config_from_environment({"WRAPUP_EMULATOR_FAULT_RATE": "0.1", "WRAPUP_EMULATOR_FAULT_KINDS": "flood"})
