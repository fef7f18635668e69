import pytest

from wrapup_assets.genesys.errors import GenesysSettingsError
from wrapup_assets.genesys.regions import (
    REGION_API_HOSTS,
    GenesysEndpoints,
    endpoints_for_region,
    endpoints_from_urls,
)


def test_region_name_resolves_to_api_and_login_hosts():
    assert endpoints_for_region("mypurecloud.ie") == GenesysEndpoints(
        api_url="https://api.mypurecloud.ie", login_url="https://login.mypurecloud.ie"
    )


def test_region_given_as_api_host_resolves_the_same():
    assert endpoints_for_region(" api.usw2.pure.cloud ") == GenesysEndpoints(
        api_url="https://api.usw2.pure.cloud", login_url="https://login.usw2.pure.cloud"
    )


def test_every_documented_region_is_known():
    assert len(REGION_API_HOSTS) == 18
    assert REGION_API_HOSTS["mypurecloud.com"] == "api.mypurecloud.com"
    assert REGION_API_HOSTS["edee1.eusc-pure.cloud"] == "api.edee1.eusc-pure.cloud"
    assert endpoints_for_region("use2.us-gov-pure.cloud").login_url == ("https://login.use2.us-gov-pure.cloud")


def test_unknown_region_names_the_variable_and_lists_valid_regions():
    with pytest.raises(GenesysSettingsError) as raised:
        endpoints_for_region("mypurecloud.fr")
    assert str(raised.value) == (
        "GENESYS_REGION 'mypurecloud.fr' is not a Genesys Cloud region; valid regions: "
        "apne2.pure.cloud, apne3.pure.cloud, aps1.pure.cloud, apse1.pure.cloud, cac1.pure.cloud, "
        "edee1.eusc-pure.cloud, euc2.pure.cloud, euw2.pure.cloud, mec1.pure.cloud, "
        "mxc1.pure.cloud, mypurecloud.com, mypurecloud.com.au, mypurecloud.de, mypurecloud.ie, "
        "mypurecloud.jp, sae1.pure.cloud, use2.us-gov-pure.cloud, usw2.pure.cloud"
    )


def test_explicit_urls_are_normalised_to_scheme_and_host():
    assert endpoints_from_urls("HTTPS://API.example.com/", "https://login.example.com:8443") == (
        GenesysEndpoints(api_url="https://api.example.com", login_url="https://login.example.com:8443")
    )


@pytest.mark.parametrize(
    "api_url", ["http://127.0.0.1:8080", "http://127.5.0.1", "http://localhost:1", "http://[::1]:9"]
)
def test_plain_http_is_accepted_on_loopback(api_url):
    assert endpoints_from_urls(api_url, "http://127.0.0.1:8081").api_url == api_url


def test_plain_http_to_a_remote_host_is_refused():
    with pytest.raises(GenesysSettingsError) as raised:
        endpoints_from_urls("http://api.mypurecloud.ie", "https://login.mypurecloud.ie")
    assert str(raised.value) == (
        "GENESYS_API_URL must use https (plain http is allowed only for loopback hosts such as "
        "127.0.0.1); got 'http://api.mypurecloud.ie'"
    )


def test_url_with_a_path_is_refused_naming_the_variable():
    with pytest.raises(GenesysSettingsError) as raised:
        endpoints_from_urls("https://api.mypurecloud.ie", "https://login.mypurecloud.ie/oauth/token")
    assert str(raised.value) == (
        "GENESYS_LOGIN_URL must be scheme and host only, without path, query or fragment "
        "(the client appends /api/v2/... and /oauth/token), such as https://login.mypurecloud.ie; "
        "got 'https://login.mypurecloud.ie/oauth/token'"
    )


@pytest.mark.parametrize(
    "api_url",
    ["https://api.mypurecloud.ie?x=1", "https://api.mypurecloud.ie#top", "https://api.mypurecloud.ie?"],
)
def test_url_with_query_or_fragment_is_refused(api_url):
    with pytest.raises(GenesysSettingsError, match="^GENESYS_API_URL must be scheme and host only"):
        endpoints_from_urls(api_url, "https://login.mypurecloud.ie")


@pytest.mark.parametrize("api_url", ["api.mypurecloud.ie", "ftp://api.mypurecloud.ie", "https://", "https://h:port"])
def test_url_without_scheme_or_host_is_refused(api_url):
    with pytest.raises(GenesysSettingsError) as raised:
        endpoints_from_urls(api_url, "https://login.mypurecloud.ie")
    assert str(raised.value) == (
        f"GENESYS_API_URL must be a URL of scheme and host only, such as https://api.mypurecloud.ie; got {api_url!r}"
    )


def test_url_with_credentials_is_refused_without_echoing_them():
    with pytest.raises(GenesysSettingsError) as raised:
        endpoints_from_urls("https://user:hunter2@api.mypurecloud.ie", "https://login.mypurecloud.ie")
    assert "hunter2" not in str(raised.value)
    assert str(raised.value).startswith("GENESYS_API_URL must not contain credentials")
