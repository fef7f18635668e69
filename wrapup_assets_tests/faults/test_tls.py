"""TLS verification is always on: a self-signed endpoint is refused (not retried, pointing at
GENESYS_CA_BUNDLE) and accepted once its CA is the bundle; no code path turns verification off."""

import datetime as dt
import ipaddress
import re
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import wrapup_assets.genesys
from wrapup_assets.emulator import EmulatorConfig, GenesysEmulator
from wrapup_assets.genesys.errors import GenesysAuthError
from wrapup_assets.genesys.resource import GenesysCloudResource

CONFIG = EmulatorConfig(client_id="tls-client", client_secret="tls-secret")


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by its own key, as PEM files (certificate, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "emulator.test")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(exist_ok=True)
    cert_path, key_path = directory / "emulator.pem", directory / "emulator.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.fixture
def https_emulator(tmp_path: Path) -> Iterator[tuple[GenesysEmulator, Path]]:
    """The emulator served over TLS on loopback with a self-signed certificate, and that certificate."""
    cert_path, key_path = self_signed_certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    with GenesysEmulator(CONFIG, tls=context) as emulator:
        yield emulator, cert_path


def resource_for(emulator: GenesysEmulator, **settings) -> GenesysCloudResource:
    return GenesysCloudResource(
        api_url=emulator.api_url,
        login_url=emulator.login_url,
        client_id=CONFIG.client_id,
        client_secret=CONFIG.client_secret,
        **settings,
    )


def test_a_self_signed_endpoint_is_refused_without_the_ca_bundle(https_emulator):
    emulator, _ = https_emulator
    assert emulator.api_url.startswith("https://127.0.0.1:")
    with resource_for(emulator).get_client() as client, pytest.raises(GenesysAuthError) as raised:
        client.list_wrapup_codes()
    message = str(raised.value)
    assert message.startswith("POST /oauth/token failed after 1 attempt: no HTTP response: TLS failed (")
    assert "CERTIFICATE_VERIFY_FAILED" in message
    assert message.endswith("point GENESYS_CA_BUNDLE at its CA certificate")
    assert emulator.request_log == []  # the handshake failed: no request reached the server


def test_the_ca_bundle_setting_makes_the_endpoint_trusted_even_with_requests_ca_bundle_set(
    https_emulator, monkeypatch, tmp_path
):
    """requests lets REQUESTS_CA_BUNDLE override a session's CA bundle; the client must not."""
    emulator, cert_path = https_emulator
    other_bundle = tmp_path / "system-bundle.pem"
    self_signed_certificate(tmp_path / "other")
    other_bundle.write_bytes((tmp_path / "other" / "emulator.pem").read_bytes())
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other_bundle))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(other_bundle))
    with resource_for(emulator, ca_bundle=str(cert_path)).get_client() as client:
        assert {code["id"] for code in client.list_wrapup_codes()} == set(emulator.wrapup_code_labels())


def test_no_genesys_code_turns_certificate_verification_off():
    package = Path(wrapup_assets.genesys.__file__).parent
    disabling = re.compile(r"verify\s*=\s*False|CERT_NONE|check_hostname\s*=\s*False|_create_unverified_context")
    offenders = [str(path) for path in package.rglob("*.py") if disabling.search(path.read_text())]
    assert offenders == []
