"""Where the lake lives: a local directory or an S3 prefix, behind one pyarrow filesystem.

Everything else in the lake package speaks in slash-separated paths relative to a pyarrow
filesystem, so local disk and S3 run through the same code. The few operations whose behaviour
differs between them (creating directories, deleting objects) live here, in one place.

S3 deletes go through boto3, not pyarrow: pyarrow's S3FileSystem writes an empty ``dir/`` marker
object after deleting a file or directory, and the lake never wants marker objects (query engines
list them as files, and they pile up on every re-materialization).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pyarrow.fs as pafs

from wrapup_assets.lake.errors import LakeSettingsError

if TYPE_CHECKING:
    from botocore.client import BaseClient as S3Client

LAKE_URL_ENV_VAR = "WRAPUP_LAKE_URL"
DEFAULT_LAKE_URL = "./data/lake"
_ACCEPTED_FORMS = "a local directory path (e.g. ./data/lake) or s3://bucket/prefix"
# S3 DeleteObjects accepts at most this many keys per request.
_S3_DELETE_BATCH = 1000


def lake_url_from_environment() -> str:
    """The configured lake URL, falling back to the local default so a fresh checkout just runs."""
    return os.environ.get(LAKE_URL_ENV_VAR) or DEFAULT_LAKE_URL


@dataclass(frozen=True)
class S3Endpoint:
    """The S3 connection settings read from the standard AWS variables, shared by pyarrow and boto3."""

    endpoint_url: str | None
    region: str | None

    @classmethod
    def from_environment(cls) -> S3Endpoint:
        """Honour AWS_ENDPOINT_URL(_S3) and AWS_REGION like the AWS SDKs do, so MinIO or moto just work."""
        endpoint_url = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None
        if endpoint_url is not None and urlsplit(endpoint_url).scheme not in ("http", "https"):
            raise LakeSettingsError(
                f"AWS_ENDPOINT_URL must be an http:// or https:// URL such as http://127.0.0.1:9000, "
                f"got {endpoint_url!r}"
            )
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
        return cls(endpoint_url=endpoint_url, region=region)

    def pyarrow_filesystem(self) -> pafs.S3FileSystem:
        """A pyarrow S3 filesystem; credentials come from the AWS default chain (env, profile, IMDS)."""
        options: dict[str, object] = {"region": self.region}
        if self.endpoint_url is not None:
            endpoint = urlsplit(self.endpoint_url)
            options |= {"endpoint_override": endpoint.netloc, "scheme": endpoint.scheme}
        return pafs.S3FileSystem(**options)

    def boto3_client(self) -> S3Client:
        """A boto3 S3 client for the deletes pyarrow cannot do without writing directory markers."""
        return _boto3_client(self.endpoint_url, self.region)


@functools.cache
def _boto3_client(endpoint_url: str | None, region: str | None) -> S3Client:
    import boto3  # only S3 lakes pay for the import

    return boto3.client("s3", endpoint_url=endpoint_url, region_name=region)


@dataclass(frozen=True)
class LakeLocation:
    """The lake root: a pyarrow filesystem plus the root path on it, and the URL it was built from."""

    filesystem: pafs.FileSystem
    root: str
    url: str

    @classmethod
    def from_url(cls, url: str) -> LakeLocation:
        """Build the location from WRAPUP_LAKE_URL's value; an unusable value fails here, at start-up."""
        text = url.strip()
        if not text:
            raise LakeSettingsError(f"{LAKE_URL_ENV_VAR} is empty; set it to {_ACCEPTED_FORMS}")
        if "://" not in text:
            return cls._local(text, url)
        parts = urlsplit(text)
        if parts.scheme != "s3":
            raise LakeSettingsError(
                f"{LAKE_URL_ENV_VAR}={url!r} uses an unsupported scheme {parts.scheme!r}; use {_ACCEPTED_FORMS}"
            )
        if not parts.netloc:
            raise LakeSettingsError(f"{LAKE_URL_ENV_VAR}={url!r} names no bucket; use {_ACCEPTED_FORMS}")
        root = "/".join(part for part in (parts.netloc, parts.path.strip("/")) if part)
        return cls(filesystem=S3Endpoint.from_environment().pyarrow_filesystem(), root=root, url=url)

    @classmethod
    def _local(cls, text: str, url: str) -> LakeLocation:
        root = Path(text).expanduser().resolve()
        try:
            root.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as error:
            raise LakeSettingsError(
                f"{LAKE_URL_ENV_VAR}={url!r} is not a directory ({root}); use {_ACCEPTED_FORMS}"
            ) from error
        return cls(filesystem=pafs.LocalFileSystem(), root=root.as_posix(), url=url)

    @property
    def is_local(self) -> bool:
        """True on local disk, where directories exist and renames are atomic."""
        return isinstance(self.filesystem, pafs.LocalFileSystem)

    def join(self, *parts: str) -> str:
        """A path under the root, in the filesystem's own (slash-separated) form."""
        return "/".join([self.root, *(part.strip("/") for part in parts if part.strip("/"))])

    def display_path(self, path: str) -> str:
        """What a person copies into a shell or query: the absolute local path or an s3:// URL."""
        return path if self.is_local else f"s3://{path}"

    def make_dirs(self, path: str) -> None:
        """Create a directory on local disk; a no-op on S3, where directories are only key prefixes."""
        if self.is_local:
            self.filesystem.create_dir(path, recursive=True)

    def list_files(self, path: str) -> list[str]:
        """Every file below ``path`` (recursively), sorted; empty when nothing is there."""
        selector = pafs.FileSelector(path, recursive=True, allow_not_found=True)
        infos = self.filesystem.get_file_info(selector)
        return sorted(info.path for info in infos if info.type == pafs.FileType.File)

    def delete_files(self, paths: Iterable[str]) -> None:
        """Delete files; on S3 in batched DeleteObjects calls that leave no directory markers."""
        paths = list(paths)
        if self.is_local:
            for path in paths:
                self.filesystem.delete_file(path)
            return
        client = S3Endpoint.from_environment().boto3_client()
        for start in range(0, len(paths), _S3_DELETE_BATCH):
            batch = paths[start : start + _S3_DELETE_BATCH]
            bucket = batch[0].split("/", 1)[0]
            keys = [{"Key": path.split("/", 1)[1]} for path in batch]
            response = client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            if response.get("Errors"):
                failed = ", ".join(f"{error['Key']} ({error['Code']})" for error in response["Errors"])
                raise OSError(f"S3 refused to delete objects in bucket {bucket}: {failed}")

    def delete_tree(self, path: str) -> None:
        """Remove a directory (local) or every object under a prefix (S3); missing is fine."""
        if self.is_local:
            if self.filesystem.get_file_info(path).type != pafs.FileType.NotFound:
                self.filesystem.delete_dir(path)
            return
        self.delete_files(self.list_files(path))
