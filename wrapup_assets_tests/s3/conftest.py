"""A real S3-protocol server for the lake: moto's server mode on loopback, with one bucket."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

BUCKET = "lake"


@dataclass(frozen=True)
class S3Server:
    """The running server: its endpoint and a boto3 client to inspect what the lake wrote."""

    endpoint_url: str

    @property
    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name="us-east-1")

    def objects(self, prefix: str = "") -> dict[str, bytes]:
        """Every object of the bucket under ``prefix``: key -> bytes, sorted by key."""
        paginator = self.client.get_paginator("list_objects_v2")
        keys = [
            item["Key"]
            for page in paginator.paginate(Bucket=BUCKET, Prefix=prefix)
            for item in page.get("Contents", [])
        ]
        return {key: self.client.get_object(Bucket=BUCKET, Key=key)["Body"].read() for key in sorted(keys)}

    def keys(self, prefix: str = "") -> list[str]:
        return list(self.objects(prefix))


@pytest.fixture
def s3_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Server]:
    """moto on a free loopback port; the AWS variables point at it, as a user would set them for MinIO."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto logs every request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    for name in ("AWS_ENDPOINT_URL_S3", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    # Every ThreadedMotoServer in a process shares moto's in-memory backends: start empty.
    requests.post(f"{endpoint}/moto-api/reset", timeout=10).raise_for_status()
    s3 = S3Server(endpoint_url=endpoint)
    s3.client.create_bucket(Bucket=BUCKET)
    yield s3
    server.stop()


@pytest.fixture(params=["local", "s3"])
def lake_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test twice: on a local lake and on moto's S3 server."""
    if request.param == "s3":
        request.getfixturevalue("s3_server")
        return "s3://lake/exports"
    return str(tmp_path / "lake")
