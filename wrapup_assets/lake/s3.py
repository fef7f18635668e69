"""The lake's S3 connection, configured the way Dagster users configure AWS: dagster-aws's S3Resource.

One ``S3Resource`` (region, endpoint URL for S3-compatible stores, profile or keys, retries) feeds
both clients the lake uses:

* pyarrow's ``S3FileSystem`` streams Parquet and page files (measured faster per byte of memory
  than boto3 multipart uploads for our write pattern: ``bench/README.md``) and reads them back;
* a boto3 client (built by dagster-aws from the same settings) deletes objects, because pyarrow's
  deletes write an empty ``dir/`` marker object behind them, and the lake never wants markers.

Unset resource fields fall back to the standard AWS variables (``AWS_ENDPOINT_URL_S3`` /
``AWS_ENDPOINT_URL``, ``AWS_REGION`` / ``AWS_DEFAULT_REGION``) so both clients agree, and
credentials come from the default AWS chain (environment, ``AWS_PROFILE``, config files, web
identity, instance metadata) unless the resource names keys or a profile.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pyarrow.fs as pafs
from dagster_aws.s3 import S3Resource
from dagster_aws.s3.utils import construct_s3_client

from wrapup_assets.lake.errors import LakeSettingsError

if TYPE_CHECKING:
    from botocore.client import BaseClient as S3Client

# S3 DeleteObjects accepts at most this many keys per request.
_S3_DELETE_BATCH = 1000


@dataclass(frozen=True)
class S3Connection:
    """An S3Resource with its endpoint and region resolved once, shared by pyarrow and boto3."""

    resource: S3Resource
    endpoint_url: str | None
    region: str | None

    @classmethod
    def from_resource(cls, resource: S3Resource | None = None) -> S3Connection:
        """Resolve the resource's settings, falling back to the AWS variables like the AWS SDKs do."""
        resource = resource if resource is not None else S3Resource()
        endpoint_url = (
            resource.endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        )
        if endpoint_url and urlsplit(endpoint_url).scheme not in ("http", "https"):
            raise LakeSettingsError(
                f"AWS_ENDPOINT_URL (or the S3 resource's endpoint_url) must be an http:// or https:// URL "
                f"such as http://127.0.0.1:9000, got {endpoint_url!r}"
            )
        if resource.verify is False:
            raise LakeSettingsError(
                "the S3 resource's verify=False is not supported: pyarrow always verifies TLS; "
                "give verify the path of a CA bundle instead, or use an http:// endpoint on a trusted network"
            )
        region = resource.region_name or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        return cls(resource=resource, endpoint_url=endpoint_url or None, region=region or None)

    def pyarrow_filesystem(self) -> pafs.S3FileSystem:
        """pyarrow's S3 filesystem with the resource's endpoint, region, retries and credentials."""
        resource = self.resource
        options: dict[str, object] = {
            "region": self.region,
            "retry_strategy": pafs.AwsStandardS3RetryStrategy(max_attempts=resource.max_attempts),
        }
        if self.endpoint_url is not None:
            endpoint = urlsplit(self.endpoint_url)
            options |= {"endpoint_override": endpoint.netloc, "scheme": endpoint.scheme}
        elif not resource.use_ssl:
            options["scheme"] = "http"
        if isinstance(resource.verify, str):
            options["tls_ca_file_path"] = resource.verify
        return pafs.S3FileSystem(**options, **self._pyarrow_credentials())

    def _pyarrow_credentials(self) -> dict[str, object]:
        resource = self.resource
        if resource.use_unsigned_session:
            return {"anonymous": True}
        if resource.aws_access_key_id:
            return {
                "access_key": resource.aws_access_key_id,
                "secret_key": resource.aws_secret_access_key,
                "session_token": resource.aws_session_token,
            }
        if resource.profile_name:
            # pyarrow cannot name a profile; resolve it through boto3 (a snapshot: temporary
            # credentials are not refreshed during one run).
            import boto3

            credentials = boto3.Session(profile_name=resource.profile_name).get_credentials()
            if credentials is None:
                raise LakeSettingsError(f"AWS profile {resource.profile_name!r} yields no credentials")
            frozen = credentials.get_frozen_credentials()
            return {"access_key": frozen.access_key, "secret_key": frozen.secret_key, "session_token": frozen.token}
        return {}  # pyarrow's default AWS chain, which refreshes temporary credentials itself

    @property
    def client(self) -> S3Client:
        """The boto3 S3 client dagster-aws builds from the same settings (one per settings, per process)."""
        resource = self.resource
        return _s3_client(
            max_attempts=resource.max_attempts,
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            use_unsigned_session=resource.use_unsigned_session,
            profile_name=resource.profile_name,
            use_ssl=resource.use_ssl,
            verify=resource.verify,
            aws_access_key_id=resource.aws_access_key_id,
            aws_secret_access_key=resource.aws_secret_access_key,
            aws_session_token=resource.aws_session_token,
        )

    def delete_objects(self, paths: Iterable[str]) -> None:
        """Delete ``bucket/key`` paths in batched DeleteObjects calls, which leave no directory markers."""
        by_bucket: dict[str, list[str]] = {}
        for path in paths:
            bucket, key = path.split("/", 1)
            by_bucket.setdefault(bucket, []).append(key)
        for bucket, keys in by_bucket.items():  # no request (and no client) when there is nothing to delete
            for start in range(0, len(keys), _S3_DELETE_BATCH):
                batch = [{"Key": key} for key in keys[start : start + _S3_DELETE_BATCH]]
                response = self.client.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
                if response.get("Errors"):
                    failed = ", ".join(f"{error['Key']} ({error['Code']})" for error in response["Errors"])
                    raise OSError(f"S3 refused to delete objects in bucket {bucket}: {failed}")


# Building a boto3 client costs ~0.15 s; every output and input of a run would pay it again.
_s3_client = functools.cache(construct_s3_client)
