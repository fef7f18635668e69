"""The Hive-partitioned lake: layout, staged atomic publishing, manifests, Parquet and raw-page files.

Modules: ``location`` (local directory or S3 root), ``s3`` (the S3 connection from dagster-aws's
S3Resource), ``partitioning`` (partition directories), ``manifest`` (the commit marker readers
trust), ``publish`` (the publishing protocol: staging, manifest last, swap or content-addressed
copies, stale-file removal), ``parquet_files`` / ``page_files`` (file formats), ``io_manager``
(the Dagster glue), ``crash_points`` (test-only SIGKILL points for the crash-safety tests).
"""
