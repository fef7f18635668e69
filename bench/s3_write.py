"""Which way to write a Parquet partition to S3: pyarrow's S3 output stream or boto3 multipart.

Starts moto's S3 server on loopback in this process, then, for each method, a fresh writer
process builds a ~100 MB table of incompressible rows and writes it as one zstd Parquet file:

* ``pyarrow``: ``pq.ParquetWriter`` straight into ``pyarrow.fs.S3FileSystem.open_output_stream``
  (pyarrow uploads multipart parts in the background while the writer encodes);
* ``boto3-spool``: ``pq.ParquetWriter`` into a local temporary file, then boto3's ``upload_file``
  (TransferManager: 8 MiB parts, 10 threads), the usual way to get multipart uploads from boto3;
* ``boto3-memory``: the file encoded into memory (``BytesIO``), then ``upload_fileobj``.

Each writer reports wall seconds (encode + upload), MB/s of the Parquet file, and the peak RSS
growth during the write (sampled every 5 ms, minus the RSS before it), so moto's own memory (in
this process) is not counted. Run: ``.venv/bin/python bench/s3_write.py [--rows N] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time

BUCKET = "bench"
METHODS = ("pyarrow", "boto3-spool", "boto3-memory")


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class _PeakRss:
    """Samples this process's RSS in a thread; ``growth`` is the peak minus the RSS at start."""

    def __init__(self) -> None:
        self.start = _rss_bytes()
        self.peak = self.start
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(0.005):
            self.peak = max(self.peak, _rss_bytes())

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_bytes())

    @property
    def growth(self) -> int:
        return self.peak - self.start


def _table(rows: int):
    import random

    import pyarrow as pa

    rng = random.Random(7)
    return pa.table(
        {
            "interaction_id": [f"{rng.getrandbits(128):032x}" for _ in range(rows)],
            "session_id": [f"{rng.getrandbits(128):032x}" for _ in range(rows)],
            "handle_ms": pa.array([rng.randrange(1_000, 900_000) for _ in range(rows)], pa.int64()),
            "acw_ms": pa.array([rng.randrange(0, 300_000) for _ in range(rows)], pa.int64()),
        }
    )


def write(method: str, endpoint: str, rows: int) -> dict[str, float]:
    """One method, in this (fresh) process: encode and upload the table, measure time and memory."""
    import boto3
    import pyarrow.fs as pafs
    import pyarrow.parquet as pq
    from boto3.s3.transfer import TransferConfig

    table = _table(rows)
    key = f"{method}/part-00000.parquet"
    options = {"compression": "zstd", "row_group_size": 100_000}
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    filesystem = pafs.S3FileSystem(endpoint_override=endpoint.split("://")[1], scheme="http", region="us-east-1")
    started = time.perf_counter()
    with _PeakRss() as rss:
        if method == "pyarrow":
            with filesystem.open_output_stream(f"{BUCKET}/{key}") as stream:
                pq.write_table(table, stream, **options)
        elif method == "boto3-spool":
            with tempfile.NamedTemporaryFile(suffix=".parquet") as spool:
                pq.write_table(table, spool.name, **options)
                client.upload_file(spool.name, BUCKET, key, Config=TransferConfig())
        else:
            import io

            buffer = io.BytesIO()
            pq.write_table(table, buffer, **options)
            buffer.seek(0)
            client.upload_fileobj(buffer, BUCKET, key, Config=TransferConfig())
    seconds = time.perf_counter() - started
    size = client.head_object(Bucket=BUCKET, Key=key)["ContentLength"]
    return {"seconds": seconds, "mb": size / 1e6, "mb_per_s": size / 1e6 / seconds, "peak_rss_mb": rss.growth / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=2_200_000, help="rows (default ~100 MB of Parquet)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--method", choices=METHODS, help=argparse.SUPPRESS)  # the writer subprocess
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.method:
        print(json.dumps(write(arguments.method, arguments.endpoint, arguments.rows)))
        return

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_REGION="us-east-1")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=BUCKET)
    try:
        print("| method | Parquet MB | MB/s (median) | peak RSS growth MB (max) |")
        print("| --- | ---: | ---: | ---: |")
        for method in METHODS:
            runs = []
            for _ in range(arguments.repeat):
                command = [sys.executable, __file__, "--method", method, "--endpoint", endpoint]
                output = subprocess.run(
                    [*command, "--rows", str(arguments.rows)], check=True, capture_output=True, text=True
                ).stdout
                runs.append(json.loads(output))
            speeds = sorted(run["mb_per_s"] for run in runs)
            print(
                f"| {method} | {runs[0]['mb']:.1f} | {speeds[len(speeds) // 2]:.1f} | "
                f"{max(run['peak_rss_mb'] for run in runs):.0f} |"
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
