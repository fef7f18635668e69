import time

import requests

from wrapup_assets.genesys.auth import ClientCredentialsTokenProvider
from wrapup_assets.genesys.rate_limit import RequestPacer
from wrapup_assets.genesys.retry import RetryPolicy
from wrapup_assets.genesys.transport import RetryingTransport

from .conftest import CLIENT_ID, SECRET, settled_log

CODES = "/api/v2/routing/wrapupcodes/divisionviews"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def token_provider(emulator, clock):
    transport = RetryingTransport(
        requests.Session(),
        retry_policy=RetryPolicy(),
        pacer=RequestPacer(1000),
        timeout=(5, 5),
        sleep=time.sleep,
    )
    return transport, ClientCredentialsTokenProvider(transport, emulator.login_url, CLIENT_ID, SECRET, clock)


def token_requests(emulator, transport) -> int:
    log = settled_log(emulator, transport.request_count)
    return sum(1 for entry in log if entry.path == "/oauth/token")


def test_token_is_cached_then_renewed_ten_percent_before_expiry(start_emulator):
    emulator = start_emulator(token_ttl_seconds=600)
    clock = FakeClock()
    transport, tokens = token_provider(emulator, clock)
    first = tokens.access_token()
    clock.now = 539.9
    assert tokens.access_token() == first
    assert token_requests(emulator, transport) == 1
    clock.now = 540.0  # 600 s minus a 60 s margin (10% of expires_in)
    assert tokens.access_token() != first
    assert token_requests(emulator, transport) == 2
    transport.close()


def test_margin_is_at_most_five_minutes_for_day_long_tokens(start_emulator):
    emulator = start_emulator(token_ttl_seconds=86399)
    clock = FakeClock()
    transport, tokens = token_provider(emulator, clock)
    tokens.access_token()
    clock.now = 86098.9
    tokens.access_token()
    assert token_requests(emulator, transport) == 1
    clock.now = 86099.0
    tokens.access_token()
    assert token_requests(emulator, transport) == 2
    transport.close()


def test_client_renews_a_short_lived_token_before_genesys_rejects_it(start_emulator, connect):
    emulator = start_emulator(token_ttl_seconds=1)
    client = connect(emulator)
    client.list_wrapup_codes()
    time.sleep(0.95)
    client.list_wrapup_codes()
    assert [(e.path, e.status) for e in settled_log(emulator, 4)] == [
        ("/oauth/token", 200),
        (CODES, 200),
        ("/oauth/token", 200),
        (CODES, 200),
    ]
