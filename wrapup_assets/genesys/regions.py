"""Where a Genesys Cloud org's API and login servers live, from a region name or explicit URLs."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from wrapup_assets.genesys.errors import GenesysSettingsError

REGION_API_HOSTS: dict[str, str] = {
    region: f"api.{region}"
    for region in (
        "mypurecloud.com",
        "use2.us-gov-pure.cloud",
        "usw2.pure.cloud",
        "cac1.pure.cloud",
        "sae1.pure.cloud",
        "mxc1.pure.cloud",
        "mypurecloud.ie",
        "euw2.pure.cloud",
        "mypurecloud.de",
        "euc2.pure.cloud",
        "edee1.eusc-pure.cloud",
        "mec1.pure.cloud",
        "aps1.pure.cloud",
        "apse1.pure.cloud",
        "mypurecloud.com.au",
        "mypurecloud.jp",
        "apne2.pure.cloud",
        "apne3.pure.cloud",
    )
}


@dataclass(frozen=True)
class GenesysEndpoints:
    """Scheme and host of the API and login servers; the client appends `/api/v2/...` and `/oauth/token`."""

    api_url: str
    login_url: str


def endpoints_for_region(region: str) -> GenesysEndpoints:
    """Resolve a region name ("mypurecloud.ie" or "api.mypurecloud.ie") to its https endpoints.

    The login host is the API host with "api." replaced by "login.", as Genesys names them.
    """
    name = region.strip().lower()
    name = name.removeprefix("api.")
    api_host = REGION_API_HOSTS.get(name)
    if api_host is None:
        valid = ", ".join(sorted(REGION_API_HOSTS))
        raise GenesysSettingsError(f"GENESYS_REGION {region!r} is not a Genesys Cloud region; valid regions: {valid}")
    login_host = "login." + api_host.removeprefix("api.")
    return GenesysEndpoints(api_url=f"https://{api_host}", login_url=f"https://{login_host}")


def endpoints_from_urls(api_url: str, login_url: str) -> GenesysEndpoints:
    """Validate explicit endpoints (a proxy, a sovereign cloud, the emulator) and normalise them.

    Only scheme, host and port are allowed: a path would be doubled when the client appends
    `/api/v2/...`. Plain http is refused except on loopback, so a token never crosses a network
    in clear text.
    """
    return GenesysEndpoints(
        api_url=_validated_base_url("GENESYS_API_URL", api_url, "https://api.mypurecloud.ie"),
        login_url=_validated_base_url("GENESYS_LOGIN_URL", login_url, "https://login.mypurecloud.ie"),
    )


def _validated_base_url(variable: str, url: str, example: str) -> str:
    text = url.strip()
    parts = urlsplit(text)
    if parts.username is not None or parts.password is not None:
        # The value is not echoed: it holds credentials.
        raise GenesysSettingsError(
            f"{variable} must not contain credentials (user:password@); give scheme and host only, such as {example}"
        )
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in ("http", "https") or not parts.hostname or port == -1:
        raise GenesysSettingsError(f"{variable} must be a URL of scheme and host only, such as {example}; got {url!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or text.endswith(("?", "#")):
        raise GenesysSettingsError(
            f"{variable} must be scheme and host only, without path, query or fragment "
            f"(the client appends /api/v2/... and /oauth/token), such as {example}; got {url!r}"
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise GenesysSettingsError(
            f"{variable} must use https (plain http is allowed only for loopback hosts such as 127.0.0.1); got {url!r}"
        )
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _is_loopback(hostname: str) -> bool:
    if hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False
