"""Asset checks: the Dagster side of the pure check functions in `wrapup_assets.records.validation`.

The schema and key checks run inside the asset that produces the data, before anything is
published: a failed check is recorded on the partition that caused it (partitioned check specs),
and the asset then stops, so bad rows never reach the lake or the daily files.
"""

import warnings
from collections.abc import Iterable, Iterator, Sequence

import dagster as dg
import pyarrow as pa

from wrapup_assets.partitions import utc_window
from wrapup_assets.records.validation import CheckOutcome, check_key_unique, check_record_schema

SCHEMA_CHECK = "record_schema"
KEY_CHECK = "key_unique"


def record_check_specs(asset_name: str, partitions_def: dg.PartitionsDefinition) -> list[dg.AssetCheckSpec]:
    """The blocking schema and key-uniqueness checks of a records asset, one evaluation per partition.

    Partitioned check specs are a Dagster preview feature (1.13); we rely on them so that a failed
    check shows on the partition that caused it, and silence the preview warning here only.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return _record_check_specs(asset_name, partitions_def)


def _record_check_specs(asset_name: str, partitions_def: dg.PartitionsDefinition) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            SCHEMA_CHECK,
            asset=asset_name,
            blocking=True,
            partitions_def=partitions_def,
            description="Every row obeys record contract v1: Arrow types, nullability, times inside the partition.",
        ),
        dg.AssetCheckSpec(
            KEY_CHECK,
            asset=asset_name,
            blocking=True,
            partitions_def=partitions_def,
            description="(interaction_id, session_id) is unique in the partition.",
        ),
    ]


class ChecksFailed(dg.Failure):
    """Raised after recording failed checks, so the asset publishes nothing for the partition."""


def check_results(named_outcomes: Iterable[tuple[str, CheckOutcome]]) -> list[dg.AssetCheckResult]:
    """AssetCheckResults for (check name, outcome) pairs, errors blocking and metadata kept."""
    return [
        dg.AssetCheckResult(
            check_name=name,
            passed=outcome.passed,
            severity=dg.AssetCheckSeverity.ERROR,
            description=outcome.description,
            metadata=dict(outcome.metadata),
        )
        for name, outcome in named_outcomes
    ]


def validated_records(context: dg.AssetExecutionContext, table: pa.Table) -> Iterator[dg.AssetCheckResult]:
    """Run the schema and key checks on a partition's records, yield their results, stop if any failed."""
    start, end = utc_window(context)
    results = check_results(
        [(SCHEMA_CHECK, check_record_schema(table, start, end)), (KEY_CHECK, check_key_unique(table))]
    )
    yield from results
    raise_if_failed(context.partition_key, results)


def raise_if_failed(partition_key: str, results: Sequence[dg.AssetCheckResult]) -> None:
    """Stop the step when a check failed, naming the partition and what failed."""
    failed = [result for result in results if not result.passed]
    if failed:
        reasons = "; ".join(f"{result.check_name}: {result.description}" for result in failed)
        raise ChecksFailed(
            description=f"Partition {partition_key} not published, checks failed: {reasons}",
            metadata={"failed_checks": ", ".join(result.check_name for result in failed)},
        )
