"""The store's SQL is written once, in SQLite's dialect; this turns it into PostgreSQL's.

Only the few constructs the store uses differ: `?` / `?N` placeholders, SQLite's JSON
aggregates (which answer '{}' / '[]' for no rows, where PostgreSQL's answer NULL), and the
query-planner hint `INDEXED BY`. (JSON field access differs too much to translate: the one
query that needs it, in bot.retention, has a text per engine.) Anything else is standard SQL that
both engines read alike (`ON CONFLICT … DO UPDATE`, `RETURNING`, `UPDATE … FROM`).
"""

from __future__ import annotations

import functools
import re

__all__ = ["to_postgres"]

_INDEXED_BY = re.compile(r"\s+INDEXED BY \w+", re.IGNORECASE)
# SQLite aggregate → (PostgreSQL aggregate, its value for no rows)
_AGGREGATES = {"json_group_object(": ("json_object_agg(", "'{}'::json"),
               "json_group_array(": ("json_agg(", "'[]'::json")}


@functools.lru_cache(maxsize=4096)
def to_postgres(sql: str) -> str:
    sql = _INDEXED_BY.sub("", sql)
    sql = sql.replace("json_array(", "json_build_array(")
    for sqlite_name, (pg_name, empty) in _AGGREGATES.items():
        sql = _wrap_calls(sql, sqlite_name, pg_name, empty)
    return _placeholders(sql)


def _wrap_calls(sql: str, name: str, pg_name: str, empty: str) -> str:
    """`name(args)` → `COALESCE(pg_name(args), empty)`, parentheses balanced."""
    out, at = [], 0
    while (start := sql.find(name, at)) >= 0:
        depth, end = 1, start + len(name)
        while depth:
            depth += {"(": 1, ")": -1}.get(sql[end], 0)
            end += 1
        out.append(f"{sql[at:start]}COALESCE({pg_name}{sql[start + len(name):end]}, {empty})")
        at = end
    out.append(sql[at:])
    return "".join(out)


def _placeholders(sql: str) -> str:
    """`?` → `$1, $2, …` in order; `?N` → `$N`. Quoted literals are left alone."""
    out, counter, quoted, i = [], 0, False, 0
    while i < len(sql):
        ch = sql[i]
        if ch == "'":
            quoted = not quoted
        if ch == "?" and not quoted:
            digits = re.match(r"\d+", sql[i + 1:])
            if digits:
                out.append(f"${digits.group()}")
                i += 1 + len(digits.group())
                continue
            counter += 1
            out.append(f"${counter}")
        else:
            out.append(ch)
        i += 1
    return "".join(out)
