from __future__ import annotations

from pathlib import Path

import pyarrow.fs as pafs
import pytest

from wrapup_assets.lake.errors import LakeSettingsError
from wrapup_assets.lake.location import LakeLocation


def test_local_path_is_made_absolute_and_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    location = LakeLocation.from_url("./data/lake")

    assert location.root == (tmp_path / "data" / "lake").resolve().as_posix()
    assert (tmp_path / "data" / "lake").is_dir()
    assert isinstance(location.filesystem, pafs.LocalFileSystem)
    assert location.url == "./data/lake"
    assert location.join("wrapup_codes", "part-00000.parquet") == f"{location.root}/wrapup_codes/part-00000.parquet"
    assert location.display_path(location.join("wrapup_codes")) == f"{location.root}/wrapup_codes"


def test_s3_url_gives_bucket_and_prefix_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")

    location = LakeLocation.from_url("s3://lake-bucket/exports/wrapup/")

    assert isinstance(location.filesystem, pafs.S3FileSystem)
    assert location.filesystem.region == "eu-west-1"
    assert location.root == "lake-bucket/exports/wrapup"
    path = location.join("wrapup_codes", "_manifest.json")
    assert path == "lake-bucket/exports/wrapup/wrapup_codes/_manifest.json"
    assert location.display_path(path) == "s3://lake-bucket/exports/wrapup/wrapup_codes/_manifest.json"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("gs://bucket/lake", "WRAPUP_LAKE_URL='gs://bucket/lake' uses an unsupported scheme 'gs'"),
        ("ftp://host/lake", "WRAPUP_LAKE_URL='ftp://host/lake' uses an unsupported scheme 'ftp'"),
        ("", "WRAPUP_LAKE_URL is empty"),
        ("s3://", "WRAPUP_LAKE_URL='s3://' names no bucket"),
    ],
)
def test_unsupported_lake_url_names_the_setting_and_accepted_forms(url: str, message: str) -> None:
    with pytest.raises(LakeSettingsError) as raised:
        LakeLocation.from_url(url)

    assert str(raised.value).startswith(message)
    assert "a local directory path (e.g. ./data/lake) or s3://bucket/prefix" in str(raised.value)


def test_lake_url_pointing_at_a_file_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "lake").write_text("not a directory")

    with pytest.raises(LakeSettingsError, match=r"WRAPUP_LAKE_URL='.*/lake' is not a directory"):
        LakeLocation.from_url(str(tmp_path / "lake"))


def test_malformed_endpoint_url_names_aws_endpoint_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "localhost:9000")

    with pytest.raises(
        LakeSettingsError,
        match=r"AWS_ENDPOINT_URL \(or the S3 resource's endpoint_url\) must be an http:// or https:// URL",
    ):
        LakeLocation.from_url("s3://bucket/lake")
