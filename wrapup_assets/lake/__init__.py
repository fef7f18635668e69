"""The Hive-partitioned lake: layout, staged atomic publishing, manifests, Parquet and raw-page files.

Modules: ``location`` (local directory or S3 root), ``partitioning`` (partition directories),
``manifest`` (the commit marker readers trust), ``publish`` (staging and the swap),
``parquet_files`` / ``page_files`` (file formats), ``io_manager`` (the Dagster glue).
"""
