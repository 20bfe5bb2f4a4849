"""Many rows in one SQL statement.

sqlite3's `executemany` steps the statement once per row, and every step releases and
re-takes the GIL. While the event loop's thread is busy that costs up to a switch interval
(5 ms) per row, so a batch of a thousand rows could hold the write lock for seconds. One
multi-row statement is one step.

PostgreSQL (asyncpg) pipelines `executemany` itself and types each parameter from the
column it fills, which a multi-row VALUES list does not allow for UPDATE … FROM: there each
row goes as the one-row statement `Rows.single`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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
    one_row: str = ""  # the statement for one row, where it is not head + row + tail

    @property
    def single(self) -> str:
        return self.one_row or f"{self.head} {self.row}{self.tail}"

    @property
    def width(self) -> int:
        return self.row.count("?")


async def write_rows(conn: aiosqlite.Connection | Any, rows_sql: Rows, rows: Sequence[Sequence]) -> None:
    if getattr(conn, "dialect", "sqlite") == "postgres":
        await conn.executemany(rows_sql.single, rows)
        return
    per_statement = max(1, min(_MAX_ROWS, _MAX_PARAMS // max(1, rows_sql.width)))
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        sql = f"{rows_sql.head} {', '.join([rows_sql.row] * len(chunk))}{rows_sql.tail}"
        await conn.execute(sql, [value for row in chunk for value in row])


def update_from_values(table: str, key: str, columns: Sequence[str]) -> Rows:
    """An UPDATE of `columns` for many rows at once; each row is (key, *values)."""
    sets = ", ".join(f"{name} = v.column{i}" for i, name in enumerate(columns, start=2))
    placeholders = "(" + ", ".join("?" * (len(columns) + 1)) + ")"
    one = ", ".join(f"{name} = ?{i}" for i, name in enumerate(columns, start=2))
    return Rows(f"UPDATE {table} SET {sets} FROM (VALUES", placeholders, f") AS v WHERE {table}.{key} = v.column1",
                one_row=f"UPDATE {table} SET {one} WHERE {key} = ?1")
