"""Where the lake lives: a local directory or an S3 prefix, behind one pyarrow filesystem.

Everything else in the lake package speaks in slash-separated paths relative to a pyarrow
filesystem, so local disk and S3 run through the same code. The few operations whose behaviour
differs between them (creating directories, deleting objects) live here, in one place; S3 deletes
go through boto3 (see ``lake.s3``) so that no directory-marker object is ever written.

``lake.s3`` is imported only when an s3:// location is built: it needs dagster-aws, whose package
imports every dagster-aws component and Dagster itself (~1.6 s and ~90 MiB here), and a local lake
needs neither.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pyarrow.fs as pafs

from wrapup_assets.lake.errors import LakeSettingsError

if TYPE_CHECKING:
    from dagster_aws.s3 import S3Resource

    from wrapup_assets.lake.s3 import S3Connection

LAKE_URL_ENV_VAR = "WRAPUP_LAKE_URL"
DEFAULT_LAKE_URL = "./data/lake"
_ACCEPTED_FORMS = "a local directory path (e.g. ./data/lake) or s3://bucket/prefix"
# "name:" at the start, two characters or more (a one-letter "C:" is a drive, not a scheme).
_SCHEME_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")


def check_lake_url(url: str) -> str:
    """``url`` if it is a usable lake root, else LakeSettingsError naming the fix; touches nothing.

    Anything that looks like a URL must be a well-formed s3://bucket[/prefix]: ``gs://``,
    ``https://`` or ``s3:/bucket`` (one slash) are refused rather than taken for a local folder.
    """
    text = url.strip()
    if not text:
        raise LakeSettingsError(f"{LAKE_URL_ENV_VAR} is empty; set it to {_ACCEPTED_FORMS}")
    if not _SCHEME_LIKE.match(text):
        return url
    parts = urlsplit(text)
    if "://" not in text:
        raise LakeSettingsError(
            f"{LAKE_URL_ENV_VAR}={url!r} looks like a URL but is not one (a scheme needs '://'); use {_ACCEPTED_FORMS}"
        )
    if parts.scheme != "s3":
        raise LakeSettingsError(
            f"{LAKE_URL_ENV_VAR}={url!r} uses an unsupported scheme {parts.scheme!r}; use {_ACCEPTED_FORMS}"
        )
    if not parts.netloc:
        raise LakeSettingsError(f"{LAKE_URL_ENV_VAR}={url!r} names no bucket; use {_ACCEPTED_FORMS}")
    return url


@dataclass(frozen=True)
class LakeLocation:
    """The lake root: a pyarrow filesystem plus the root path on it, and the URL it was built from."""

    filesystem: pafs.FileSystem
    root: str
    url: str
    s3: S3Connection | None = None

    @classmethod
    def from_url(cls, url: str, s3: S3Resource | None = None) -> LakeLocation:
        """Build the location from WRAPUP_LAKE_URL's value; an unusable value fails here, at start-up.

        ``s3`` configures an s3:// lake (an unconfigured S3Resource, i.e. the AWS defaults, when None);
        a local lake ignores it.
        """
        text = check_lake_url(url).strip()
        if "://" not in text:
            return cls._local(text, url)
        parts = urlsplit(text)
        root = "/".join(part for part in (parts.netloc, parts.path.strip("/")) if part)
        from wrapup_assets.lake.s3 import S3Connection

        connection = S3Connection.from_resource(s3)
        return cls(filesystem=connection.pyarrow_filesystem(), root=root, url=url, s3=connection)

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
        return [info.path for info in self.file_infos(path)]

    def file_infos(self, path: str) -> list[pafs.FileInfo]:
        """Every file below ``path`` (recursively) with its size and modification time, sorted by path."""
        selector = pafs.FileSelector(path, recursive=True, allow_not_found=True)
        infos = self.filesystem.get_file_info(selector)
        return sorted((info for info in infos if info.type == pafs.FileType.File), key=lambda info: info.path)

    def exists(self, path: str) -> bool:
        """True when a file (or, locally, a directory) is at ``path``."""
        return self.filesystem.get_file_info(path).type != pafs.FileType.NotFound

    def delete_files(self, paths: Iterable[str]) -> None:
        """Delete files; on S3 in batched DeleteObjects calls that leave no directory markers."""
        if self.s3 is not None:
            self.s3.delete_objects(paths)
            return
        for path in paths:
            self.filesystem.delete_file(path)

    def delete_tree(self, path: str) -> None:
        """Remove a directory (local) or every object under a prefix (S3); missing is fine."""
        if self.is_local:
            if self.exists(path):
                self.filesystem.delete_dir(path)
            return
        self.delete_files(self.list_files(path))
