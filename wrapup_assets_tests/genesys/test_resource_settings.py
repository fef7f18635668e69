import dagster as dg
import pytest

from wrapup_assets.emulator.resource import EmbeddedEmulatorResource
from wrapup_assets.genesys.errors import GenesysSettingsError
from wrapup_assets.genesys.resource import GenesysCloudResource
from wrapup_assets.resources import genesys_resource
from wrapup_assets.settings import settings_from_environment


def genesys_resource_from_environment(environ: dict[str, str]) -> GenesysCloudResource:
    return genesys_resource(settings_from_environment(environ))


def test_no_genesys_variables_selects_the_embedded_emulator():
    resource = genesys_resource_from_environment({"PATH": "/bin", "GENESYS_CLIENT_ID": "  "})
    assert type(resource) is EmbeddedEmulatorResource
    assert resource.client_id is None and resource.region is None


def test_region_and_credentials_become_env_vars_not_values():
    resource = genesys_resource_from_environment(
        {"GENESYS_REGION": "mypurecloud.ie", "GENESYS_CLIENT_ID": "id", "GENESYS_CLIENT_SECRET": "s3"}
    )
    assert type(resource) is GenesysCloudResource
    assert resource.region == dg.EnvVar("GENESYS_REGION")
    assert resource.client_id == dg.EnvVar("GENESYS_CLIENT_ID")
    assert resource.client_secret == dg.EnvVar("GENESYS_CLIENT_SECRET")
    assert resource.api_url is None and resource.login_url is None


def test_explicit_urls_are_used_when_no_region_is_set():
    resource = genesys_resource_from_environment(
        {
            "GENESYS_API_URL": "https://api.example.com",
            "GENESYS_LOGIN_URL": "https://login.example.com",
            "GENESYS_CLIENT_ID": "i",
            "GENESYS_CLIENT_SECRET": "s",
        }
    )
    assert resource.region is None
    assert resource.api_url == dg.EnvVar("GENESYS_API_URL")
    assert resource.login_url == dg.EnvVar("GENESYS_LOGIN_URL")
    assert resource.client_id == dg.EnvVar("GENESYS_CLIENT_ID")


def test_numeric_tuning_is_read_from_the_environment():
    resource = genesys_resource_from_environment(
        {"GENESYS_REQUESTS_PER_MINUTE": "120", "GENESYS_READ_TIMEOUT_SECONDS": "12.5"}
    )
    assert (resource.requests_per_minute, resource.read_timeout_seconds) == (120, 12.5)


def test_a_secret_unset_after_the_definitions_loaded_fails_at_run_start_naming_it(monkeypatch):
    environ = {"GENESYS_REGION": "mypurecloud.ie", "GENESYS_CLIENT_ID": "id", "GENESYS_CLIENT_SECRET": "s"}
    resource = genesys_resource_from_environment(environ)
    monkeypatch.setenv("GENESYS_REGION", "mypurecloud.ie")
    monkeypatch.setenv("GENESYS_CLIENT_ID", "id")
    monkeypatch.delenv("GENESYS_CLIENT_SECRET", raising=False)
    calls = []

    @dg.asset
    def touches_genesys(genesys: GenesysCloudResource) -> None:
        calls.append(genesys)

    with pytest.raises(dg.DagsterInvalidConfigError, match='"GENESYS_CLIENT_SECRET" which is not set'):
        dg.materialize([touches_genesys], resources={"genesys": resource})
    assert calls == []


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"region": "mypurecloud.ie", "client_secret": "s3"},
            "GENESYS_CLIENT_ID is not set: it must hold the OAuth client id",
        ),
        (
            {"region": "mypurecloud.ie", "client_id": "id", "client_secret": " "},
            "GENESYS_CLIENT_SECRET is not set: it must hold the OAuth client secret",
        ),
        (
            {"client_id": "id", "client_secret": "s3"},
            "no Genesys Cloud endpoint configured: set GENESYS_REGION (e.g. mypurecloud.ie) "
            "or GENESYS_API_URL + GENESYS_LOGIN_URL",
        ),
        (
            {"api_url": "https://api.mypurecloud.ie", "client_id": "id", "client_secret": "s3"},
            "GENESYS_LOGIN_URL is not set (needed with GENESYS_API_URL when GENESYS_REGION "
            "is not set), e.g. https://login.mypurecloud.ie",
        ),
        (
            {
                "region": "mypurecloud.ie",
                "api_url": "https://api.mypurecloud.ie",
                "client_id": "id",
                "client_secret": "s3",
            },
            "set either GENESYS_REGION or GENESYS_API_URL + GENESYS_LOGIN_URL, not both",
        ),
        (
            {"region": "mypurecloud.ie", "client_id": "id", "client_secret": "s3", "page_size": 0},
            "GENESYS_PAGE_SIZE (page_size) must be positive, got 0",
        ),
        (
            {
                "region": "mypurecloud.ie",
                "client_id": "id",
                "client_secret": "s3",
                "ca_bundle": "/nonexistent/ca.pem",
            },
            "GENESYS_CA_BUNDLE (ca_bundle) names a file that does not exist: '/nonexistent/ca.pem'",
        ),
    ],
)
def test_bad_settings_name_the_environment_variable(settings, message):
    with pytest.raises(GenesysSettingsError) as raised:
        GenesysCloudResource(**settings).get_client()
    assert str(raised.value) == message


def test_region_settings_build_a_client_for_that_region_without_calling_it():
    resource = GenesysCloudResource(region="mypurecloud.de", client_id="id", client_secret="s3cret")
    with resource.get_client() as client:
        assert client.endpoints.login_url == "https://login.mypurecloud.de"
        assert repr(client) == (
            "GenesysClient(client_id='id', api_url='https://api.mypurecloud.de', client_secret='***')"
        )
        assert client.request_count == 0


def test_the_emulator_resource_outside_a_run_says_where_it_works():
    with pytest.raises(GenesysSettingsError) as raised:
        EmbeddedEmulatorResource().get_client()
    assert str(raised.value) == (
        "the embedded emulator is not running: get_client() works inside a Dagster run, "
        "where setup_for_execution starts it"
    )
