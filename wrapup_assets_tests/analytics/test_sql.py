"""`wrapup-assets sql`: the views over the lake, and the README's five analyst questions, each
against an independent computation over the same files."""

import math
import re
import subprocess
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

from wrapup_assets.sql_shell import open_lake, shell
from wrapup_assets_tests.analytics.conftest import SummarizedDay
from wrapup_assets_tests.commands import BIN, clean_environment

README = Path(__file__).parents[2] / "README.md"


def readme_questions() -> list[str]:
    section = README.read_text().split("## Asking the lake: `wrapup-assets sql`", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, flags=re.S)


def rows_of(lake: Path, dataset: str) -> list[dict]:
    return pq.read_table(lake / dataset).to_pylist()


def current(history: list[dict], key: str) -> dict[str, dict]:
    return {row[key]: row for row in history if row["is_current"]}


def test_the_command_prints_the_rows_of_one_statement(summarized_day: SummarizedDay):
    run = subprocess.run(
        [
            str(BIN / "wrapup-assets"),
            "sql",
            "--lake",
            str(summarized_day.lake),
            "-c",
            "SELECT sum(sessions) FROM summary",
        ],
        env=clean_environment(),
        capture_output=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr.decode()
    daily_rows = len(rows_of(summarized_day.lake, "wrapup_daily"))
    assert re.search(rf"│\s+{daily_rows} │", run.stdout.decode())


def test_a_bad_statement_exits_with_the_error(summarized_day: SummarizedDay):
    run = subprocess.run(
        [str(BIN / "wrapup-assets"), "sql", "--lake", str(summarized_day.lake), "-c", "SELECT nope FROM summary"],
        env=clean_environment(),
        capture_output=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert 'Referenced column "nope" not found' in run.stderr.decode()


def test_the_shell_runs_statements_until_quit(summarized_day: SummarizedDay, capsys):
    connection, views = open_lake(str(summarized_day.lake))
    lines = iter([".tables", "SELECT count(*) AS n", "FROM divisions;", "SELECT bad;", ".quit", "never read;"])

    shell(connection, views, read_line=lambda prompt: next(lines))

    printed = capsys.readouterr().out
    assert views == [
        "records",
        "daily",
        "summary",
        "codes",
        "queues",
        "users",
        "divisions",
        "queue_codes",
        "daily_named",
    ]
    assert re.search(r"│\s+3 │", printed) and "Error:" in printed


def test_the_readme_answers_five_questions(summarized_day: SummarizedDay):
    lake = summarized_day.lake
    connection, _ = open_lake(str(lake))
    questions = readme_questions()
    assert len(questions) == 5
    answers = [connection.sql(question).fetchall() for question in questions]
    daily = rows_of(lake, "wrapup_daily")
    queues = current(rows_of(lake, "genesys_queues"), "queue_id")
    divisions = current(rows_of(lake, "genesys_divisions"), "division_id")
    codes = current(rows_of(lake, "wrapup_codes"), "wrap_up_code_id")
    users = current(rows_of(lake, "genesys_users"), "user_id")
    billing = {queue_id for queue_id, queue in queues.items() if queue["name"] == "Billing"}

    billing_rows = [row for row in daily if row["queue_id"] in billing]

    def label(row: dict) -> str:
        code = row["wrap_up_code_id"]
        return (codes[code]["name"] if code in codes else code) or "(no code)"

    expected: dict[str, list] = {}
    for row in billing_rows:
        sessions, acw = expected.setdefault(label(row), [0, None])
        expected[label(row)] = [sessions + 1, acw if row["acw_ms"] is None else (acw or 0) + row["acw_ms"]]
    assert {code: (sessions, seconds) for code, sessions, seconds in answers[0]} == {
        code: (sessions, None if acw is None else acw // 1000) for code, (sessions, acw) in expected.items()
    }

    used = {(row["queue_id"], row["wrap_up_code_id"]) for row in daily}
    offered = rows_of(lake, "queue_wrapup_codes")
    assert answers[1] == sorted(
        (row["queue_id"], row["wrap_up_code_id"], row["wrap_up_code_name"])
        for row in offered
        if (row["queue_id"], row["wrap_up_code_id"]) not in used
    )
    assert 0 < len(answers[1]) < len(offered)

    per_division = Counter(
        divisions[queues[row["queue_id"]]["division_id"]]["name"] if row["queue_id"] in queues else "(no queue)"
        for row in daily
    )
    assert dict(answers[2]) == dict(per_division)

    gone = Counter(
        users[row["agent_id"]]["state"]
        for row in daily
        if users.get(row["agent_id"], {}).get("state", "active") != "active"
    )
    assert dict(answers[3]) == dict(gone) and set(gone) == {"inactive", "deleted"}

    for media, p50, p90 in answers[4]:
        values = sorted(
            row["handle_ms"] for row in daily if row["media_type"] == media and row["handle_ms"] is not None
        )
        assert (p50, p90) == (
            values[math.ceil(0.5 * len(values)) - 1] / 1000,
            values[math.ceil(0.9 * len(values)) - 1] / 1000,
        )
