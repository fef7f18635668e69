"""Export Genesys Cloud CX wrap-up code analytics into a Hive-partitioned Parquet lake."""
