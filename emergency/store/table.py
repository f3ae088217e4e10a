"""A table's rows in and out, written once for both stores: a row inserted, upserted on its key, changed or
deleted, and rows read as dicts — each one SQL statement that SQLite and PostgreSQL both read, given to
``db.execute`` (``?`` placeholders; the PostgreSQL connection hands them to psycopg as ``%s``). The repositories
write these rather than a table API of another library's shape, so the PostgreSQL store needs no copy of
sqlite-utils' tables.

Table and column names come from the store's own code, never from a request; values always go as parameters."""
from __future__ import annotations

from typing import Any

from .where import insert_sql


def quoted(columns) -> str:
    """Column names for SQL, each double-quoted (``trigger`` is a keyword in both dialects)."""
    return ", ".join(f'"{c}"' for c in columns)


def select_rows(db, table: str, where: str | None = None, params: list | tuple = (), order_by: str | None = None,
                columns: str = "*", limit: int | None = None) -> list[dict[str, Any]]:
    """The rows of ``table`` matching ``where`` (with ``params``), as dicts of column → value."""
    sql = f"SELECT {columns} FROM {table}" + (f" WHERE {where}" if where else "")
    sql += (f" ORDER BY {order_by}" if order_by else "") + (f" LIMIT {int(limit)}" if limit is not None else "")
    return as_dicts(db.execute(sql, list(params)))


def one_row(db, table: str, key_column: str, key: Any) -> dict[str, Any] | None:
    """The row whose ``key_column`` is ``key``, or None."""
    found = select_rows(db, table, f"{key_column} = ?", [key], limit=1)
    return found[0] if found else None


def count_rows(db, table: str, where: str | None = None, params: list | tuple = ()) -> int:
    return db.execute(f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else ""), list(params)).fetchone()[0]


def insert_row(db, table: str, row: dict[str, Any]) -> None:
    db.execute(insert_sql(table, [f'"{c}"' for c in row]), list(row.values()))


def upsert_row(db, table: str, row: dict[str, Any], key_column: str) -> None:
    """The row inserted, or — a row with its key there already — that row's other columns replaced."""
    sets = ", ".join(f'"{c}" = excluded."{c}"' for c in row if c != key_column)
    db.execute(insert_sql(table, [f'"{c}"' for c in row]) + f" ON CONFLICT ({key_column}) DO UPDATE SET {sets}",
               list(row.values()))


def update_row(db, table: str, key_column: str, key: Any, changes: dict[str, Any]) -> int:
    """``changes`` written to the row whose ``key_column`` is ``key``: how many rows changed (0 or 1)."""
    sets = ", ".join(f'"{c}" = ?' for c in changes)
    return db.execute(f"UPDATE {table} SET {sets} WHERE {key_column} = ?", [*changes.values(), key]).rowcount


def delete_rows(db, table: str, where: str, params: list | tuple = ()) -> int:
    return db.execute(f"DELETE FROM {table} WHERE {where}", list(params)).rowcount


def as_dicts(cursor) -> list[dict[str, Any]]:
    """A cursor's rows as dicts (both drivers name the columns in ``description``)."""
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
