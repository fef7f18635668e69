from __future__ import annotations

import re

import requests

from wrapup_assets.emulator import EmulatorConfig, serve


def test_serve_announces_the_url_and_credentials_and_stops_on_keyboard_interrupt() -> None:
    announced: list[str] = []

    def announce_then_interrupt(message: str) -> None:
        announced.append(message)
        url = re.search(r"http://127\.0\.0\.1:\d+", message)
        assert url is not None
        response = requests.post(
            url.group() + "/oauth/token",
            auth=("emulator-client", "emulator-secret"),
            data={"grant_type": "client_credentials"},
            timeout=10,
        )
        assert response.status_code == 200
        raise KeyboardInterrupt

    serve(EmulatorConfig(), announce=announce_then_interrupt)
    [message] = announced
    assert re.fullmatch(
        r"Genesys emulator listening on http://127\.0\.0\.1:\d+ \(client id emulator-client, secret emulator-secret\)",
        message,
    )
