"""`POST /api/v2/analytics/conversations/aggregates/query`: the reconciliation totals.

The emulator's rule (the reconciliation oracle; it differs from Genesys, which buckets each metric
by its emit time): take the conversations that STARTED in the interval and have ENDED by the clock;
put each in the granularity bucket (PT1H, aligned to the interval start; no granularity = one
bucket) that holds its conversationStart; within a bucket, group the agent sessions that have an
interact segment (exactly the rows of the record contract) by their wrap-up code (the last non-null
wrapUpCode of the session; sessions without one fall in a group without the `wrapUpCode` key).
For each requested metric, each session contributes the sum of its values of that metric (sessions
without it contribute nothing): for `t…` metrics stats are count = contributing sessions, sum, min,
max; for `n…` metrics stats are count = the summed value. Metrics with no contribution and empty
buckets are omitted. So per code, `tHandle.count` equals the number of contract rows whose
handle_ms is not null.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from wrapup_assets.emulator.conversation_source import ConversationSource
from wrapup_assets.emulator.errors import ApiError
from wrapup_assets.emulator.instants import DAY_MS, HOUR_MS, iso_ms
from wrapup_assets.emulator.oracle import agent_sessions, metric_total, session_wrap_up_code
from wrapup_assets.emulator.selection import parse_body_interval

MAX_AGGREGATE_INTERVAL_MS = 31 * DAY_MS
GRANULARITIES = {"PT1H": HOUR_MS, "P1D": DAY_MS}
SUPPORTED_GROUP_BY = ("wrapUpCode",)

BucketKey = tuple[str | None, int]


def aggregates_query(source: ConversationSource, body: dict[str, Any]) -> dict[str, Any]:
    """Per wrap-up code and bucket, the stats of the requested session metrics."""
    start_ms, end_ms = parse_body_interval(body, MAX_AGGREGATE_INTERVAL_MS)
    granularity = body.get("granularity")
    if granularity is not None and granularity not in GRANULARITIES:
        raise ApiError(400, f"granularity {granularity!r} is not supported by the emulator (PT1H, P1D or none)")
    if body.get("timeZone", "UTC") != "UTC":
        raise ApiError(400, f"timeZone {body.get('timeZone')!r} is not supported by the emulator (UTC only)")
    group_by = body.get("groupBy") or []
    if not isinstance(group_by, list) or any(dimension not in SUPPORTED_GROUP_BY for dimension in group_by):
        raise ApiError(400, f"groupBy {group_by!r} is not supported by the emulator (wrapUpCode only)")
    metrics = body.get("metrics")
    if not isinstance(metrics, list) or not metrics or not all(isinstance(name, str) for name in metrics):
        raise ApiError(400, "metrics must be a non-empty list of metric names")
    bucket_ms = GRANULARITIES[granularity] if granularity else end_ms - start_ms
    now_ms = source.now_ms()
    totals: dict[BucketKey, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for plan in source.started_between(start_ms, end_ms, now_ms):
        if plan.end_ms > now_ms:
            continue
        bucket_start = start_ms + (plan.start_ms - start_ms) // bucket_ms * bucket_ms
        for _, session in agent_sessions(plan):
            code = session_wrap_up_code(session) if group_by else None
            for name in metrics:
                value = metric_total(session, name)
                if value is not None:
                    totals[(code, bucket_start)][name].append(value)
    return {"results": _results(totals, metrics, bucket_ms, end_ms)} if totals else {}


def _results(
    totals: dict[BucketKey, dict[str, list[int]]], metrics: list[str], bucket_ms: int, end_ms: int
) -> list[dict[str, Any]]:
    codes = sorted({code for code, _ in totals}, key=lambda code: (code is None, code or ""))
    results = []
    for code in codes:
        data = [
            {
                "interval": f"{iso_ms(bucket_start)}/{iso_ms(min(bucket_start + bucket_ms, end_ms))}",
                "metrics": [
                    {"metric": name, "stats": _stats(name, values)}
                    for name in metrics
                    if (values := totals[(code, bucket_start)].get(name))
                ],
            }
            for bucket_start in sorted(bucket for bucket_code, bucket in totals if bucket_code == code)
        ]
        results.append({"group": {"wrapUpCode": code} if code else {}, "data": data})
    return results


def _stats(name: str, values: list[int]) -> dict[str, int]:
    if name.startswith("n"):
        return {"count": sum(values)}
    return {"max": max(values), "min": min(values), "count": len(values), "sum": sum(values)}
