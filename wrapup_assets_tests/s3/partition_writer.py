"""A process that publishes one version of an hour's partition, for the tests that run several at once.

``python -m wrapup_assets_tests.s3.partition_writer <lake_url> <label>`` stages and publishes the
hour with two Parquet-named files (content-addressed on S3) and ``pages.jsonl.zst`` (a fixed name on
S3 too), each holding ``label`` so the published version tells which writer it came from.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime

from wrapup_assets.lake import crash_points
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.lake.publish import stage_partition

PARTITION = LakePartition("wrapup_records", datetime(2024, 5, 1, 9, tzinfo=UTC), "hour")


def version_files(label: str) -> dict[str, bytes]:
    """The files of the version a writer labelled ``label`` publishes (sizes differ between labels)."""
    return {
        "part-00000.parquet": f"{label} rows 0\n".encode() * (100 + len(label)),
        "part-00001.parquet": f"{label} rows 1\n".encode() * (50 + 2 * len(label)),
        "pages.jsonl.zst": f"{label} pages\n".encode() * 10,
    }


def publish_version(lake_url: str, label: str) -> None:
    location = LakeLocation.from_url(lake_url)
    with stage_partition(location, PARTITION, "parquet", schema_version=1) as staged:
        for name, data in version_files(label).items():
            with staged.open_output_stream(name) as stream:
                stream.write(data)
            staged.add_file(name, rows=1)
        staged.publish()


if __name__ == "__main__":
    crash_points.arm(crash_points.LakeTestPoints.from_variables(os.environ))
    publish_version(sys.argv[1], sys.argv[2])
