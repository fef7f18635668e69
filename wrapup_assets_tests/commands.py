"""The commands a user types, for tests that run them as separate processes."""

import os
import sys
from pathlib import Path

BIN = Path(sys.executable).parent
HOUR = "2024-05-01-09:00"


def clean_environment(**overrides: str) -> dict[str, str]:
    """The process environment without any GENESYS_/WRAPUP_ setting or DAGSTER_HOME, plus the given ones."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("GENESYS_", "WRAPUP_", "DAGSTER_HOME"))}
    environment.update(overrides)
    return environment


def materialize_command(select: str = "raw_conversation_pages,wrapup_records", partition: str = HOUR) -> list[str]:
    """`dagster asset materialize` on the code location, as the README shows it (issue 2's done-when command)."""
    return [
        str(BIN / "dagster"),
        "asset",
        "materialize",
        "-m",
        "wrapup_assets.definitions",
        "--select",
        select,
        "--partition",
        partition,
    ]
