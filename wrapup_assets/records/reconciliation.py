"""Reconciliation: does an hour hold as many rows per wrap-up code as Genesys counts?

The aggregates endpoint (grouped by `wrapUpCode`, metric `tHandle`) counts, per code, the agent
sessions that have a handle time; the matching rows of the hour are those with a non-null
`handle_ms`. Sessions without a code form Genesys' group without a `wrapUpCode`, matched with the
rows whose `wrap_up_code_id` is null. Genesys buckets a metric by the time it was emitted while
the export places a conversation by its start, so on a real org conversations near an hour's
edge can move between hours: differences are a warning with a tolerance, never a blocker.
"""

from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc

from wrapup_assets.records.validation import CheckOutcome

RECONCILED_METRIC = "tHandle"
NO_CODE = "(no wrap-up code)"
DEFAULT_TOLERANCE = 0.05
FIRST_DIFFERENCES = 10


def aggregate_counts(response: Mapping, metric: str = RECONCILED_METRIC) -> dict[str, int]:
    """Sessions per wrap-up code from an aggregates query response, summed over its buckets."""
    counts: Counter[str] = Counter()
    for result in response.get("results") or []:
        code = (result.get("group") or {}).get("wrapUpCode") or NO_CODE
        for bucket in result.get("data") or []:
            for entry in bucket.get("metrics") or []:
                if entry.get("metric") == metric:
                    counts[code] += int((entry.get("stats") or {}).get("count") or 0)
    return {code: count for code, count in counts.items() if count}


def hourly_responses(response: Mapping) -> dict[datetime, dict]:
    """An aggregates response over several hours (granularity PT1H) cut into one response per
    hour, keyed by the hour's UTC start: what `aggregate_counts` reads for that hour alone."""
    by_hour: dict[datetime, list[dict]] = defaultdict(list)
    for result in response.get("results") or []:
        for bucket in result.get("data") or []:
            start = datetime.fromisoformat(str(bucket["interval"]).split("/")[0].replace("Z", "+00:00"))
            by_hour[start.astimezone(UTC)].append({"group": result.get("group") or {}, "data": [bucket]})
    return {start: {"results": results} for start, results in by_hour.items()}


RECONCILED_COLUMNS = ["wrap_up_code_id", "handle_ms"]
"""The only columns the reconciliation reads: a busy hour's other columns need not be loaded."""


def row_counts(table: pa.Table) -> dict[str, int]:
    """Rows with a handle time per wrap-up code of a records table (what tHandle counts)."""
    handled = table.select(RECONCILED_COLUMNS).filter(pc.is_valid(table["handle_ms"]))
    codes = handled["wrap_up_code_id"].cast(pa.string()).fill_null(NO_CODE)
    return {entry["values"]: entry["counts"] for entry in pc.value_counts(codes).to_pylist()}


def reconcile_code_counts(rows: Mapping[str, int], genesys: Mapping[str, int], tolerance: float) -> CheckOutcome:
    """Per code, |rows - Genesys| may be at most `tolerance` times the larger of the two."""
    differences = {
        code: (rows.get(code, 0), genesys.get(code, 0))
        for code in sorted(rows.keys() | genesys.keys())
        if abs(rows.get(code, 0) - genesys.get(code, 0)) > tolerance * max(rows.get(code, 0), genesys.get(code, 0))
    }
    listed = "; ".join(
        f"{code}: {exported} rows, Genesys {counted}"
        for code, (exported, counted) in list(differences.items())[:FIRST_DIFFERENCES]
    )
    metadata = {
        "codes_compared": len(rows.keys() | genesys.keys()),
        "rows_with_handle_time": sum(rows.values()),
        "genesys_sessions": sum(genesys.values()),
        "codes_differing": len(differences),
        "first_differences": listed,
        "tolerance": tolerance,
    }
    if differences:
        return CheckOutcome(
            passed=False,
            description=f"{len(differences)} wrap-up codes differ from the Genesys aggregates: {listed}",
            metadata=metadata,
        )
    return CheckOutcome(
        passed=True,
        description=f"{sum(rows.values())} rows over {len(rows)} wrap-up codes match the Genesys aggregates",
        metadata=metadata,
    )
