"""The Hive-partitioned lake: layout, staged atomic publishing, manifests, Parquet and raw-page files.

``lake.Lake`` is the component everything else uses: partition paths, staged publishing,
manifests, and reading a partition or a range (tables, record batch streams, Arrow datasets).
Modules: ``lake`` (that component), ``location`` (local directory or S3 root), ``s3`` (the S3
connection from dagster-aws's S3Resource), ``partitioning`` (partition directories),
``manifest`` (the commit marker readers trust), ``publish`` (the publishing protocol: staging,
manifest last, swap or content-addressed copies, stale-file removal), ``parquet_files`` /
``page_files`` (file formats), ``io_manager`` (the Dagster glue, writing and loading through a
``Lake``), ``payloads`` (the raw-pages streams the IO manager is handed), ``page_spool`` (a run's
pages sorted by hour on local disk), ``crash_points`` (test-only SIGKILL points for the
crash-safety tests).
"""
