"""Many rows in one SQL statement.

sqlite3's `executemany` steps the statement once per row, and every step releases and
re-takes the GIL. While the event loop's thread is busy that costs up to a switch interval
(5 ms) per row, so a batch of a thousand rows could hold the write lock for seconds. One
multi-row statement is one step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite

__all__ = ["Rows", "write_rows", "update_from_values"]

# SQLite's bound-parameter limit is 32766; stay well below it and keep statements short.
_MAX_PARAMS = 20_000
_MAX_ROWS = 500


@dataclass(frozen=True)
class Rows:
    """`head` + one `row` placeholder group per row + `tail`, e.g.
    Rows("INSERT INTO ledger (job_id, amount) VALUES", "(?, ?)")."""

    head: str
    row: str
    tail: str = ""

    @property
    def width(self) -> int:
        return self.row.count("?")


async def write_rows(conn: aiosqlite.Connection, rows_sql: Rows, rows: Sequence[Sequence]) -> None:
    per_statement = max(1, min(_MAX_ROWS, _MAX_PARAMS // max(1, rows_sql.width)))
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        sql = f"{rows_sql.head} {', '.join([rows_sql.row] * len(chunk))}{rows_sql.tail}"
        await conn.execute(sql, [value for row in chunk for value in row])


def update_from_values(table: str, key: str, columns: Sequence[str]) -> Rows:
    """An UPDATE of `columns` for many rows at once; each row is (key, *values)."""
    sets = ", ".join(f"{name} = v.column{i}" for i, name in enumerate(columns, start=2))
    placeholders = "(" + ", ".join("?" * (len(columns) + 1)) + ")"
    return Rows(f"UPDATE {table} SET {sets} FROM (VALUES", placeholders, f") AS v WHERE {table}.{key} = v.column1")
