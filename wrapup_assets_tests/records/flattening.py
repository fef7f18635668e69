"""Pages already held, flattened in one call: the tests' shortcut to a window's table and stats.

The package never holds an hour's pages at once (it streams them through
RecordsBuilder.sorted_batches), so this lives with the tests.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime

import pyarrow as pa

from wrapup_assets.records.flatten import RecordsBuilder
from wrapup_assets.records.window_rows import FlattenStats


def flatten_pages(
    pages: Iterable[bytes], window_start: datetime, window_end: datetime, code_labels: Mapping[str, str]
) -> tuple[pa.Table, FlattenStats]:
    """The window's records from pages added in read order, and what happened to its conversations."""
    builder = RecordsBuilder(window_start, window_end, code_labels)
    for page_json in pages:
        builder.add_page(page_json)
    table = builder.finish()
    return table, builder.stats
