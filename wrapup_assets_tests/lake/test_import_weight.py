"""Writing a local lake and flattening pages load neither Dagster, dagster-aws, pandera nor polars.

A process that only flattens pages and writes Parquet to local disk (the benchmarks' children, a
script) would otherwise pay ~1.5 s and ~115 MiB of imports it never uses. Each case runs in a fresh
interpreter, because this test session has imported all of them already.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY_PACKAGES = ("dagster", "dagster_aws", "pandera", "polars", "wrapup_assets.lake.s3")

LOCAL_LAKE_WRITE = """
from wrapup_assets.lake.location import LakeLocation
import wrapup_assets.lake.page_files, wrapup_assets.lake.parquet_files, wrapup_assets.lake.publish
LakeLocation.from_url(sys.argv[1])
"""

FLATTEN = "import wrapup_assets.records.flatten"


def heavy_modules_loaded(program: str, *arguments: str) -> list[str]:
    """The HEAVY_PACKAGES in sys.modules after running ``program`` in a fresh interpreter."""
    report = f"\nprint(*sorted(name for name in {HEAVY_PACKAGES!r} if name in sys.modules))"
    # A fixed endpoint and region: building an s3:// location must not look for either.
    environment = os.environ | {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_REGION": "eu-west-1"}
    finished = subprocess.run(
        [sys.executable, "-c", "import sys\n" + program + report, *arguments],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return finished.stdout.split()


@pytest.mark.parametrize("program", [LOCAL_LAKE_WRITE, FLATTEN], ids=["local-lake-write", "flatten"])
def test_light_paths_load_no_heavy_package(program: str, tmp_path: Path) -> None:
    assert heavy_modules_loaded(program, str(tmp_path / "lake")) == []


def test_an_s3_location_loads_the_s3_connection() -> None:
    """The check above can fail: the same probe sees lake.s3 and dagster-aws once an s3:// lake is built."""
    program = "from wrapup_assets.lake.location import LakeLocation\nLakeLocation.from_url('s3://lake-bucket/prefix')"

    assert heavy_modules_loaded(program) == ["dagster", "dagster_aws", "wrapup_assets.lake.s3"]
