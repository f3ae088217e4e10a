"""The SQL text the store builds from names: one WHERE clause from optional filters — each (condition, value) kept
when the value is given (not None, not empty); a condition with no ``?`` (``closed = 0``) is given by a true value
and adds no parameter — and one INSERT of named columns."""
from __future__ import annotations

from typing import Any


def where(*filters: tuple[str, Any]) -> tuple[str, list[Any]]:
    """``(" WHERE a = ? AND b = ?", [va, vb])`` for the filters given, or ``("", [])``."""
    clauses, params = [], []
    for condition, value in filters:
        if value is None or value == "" or value is False and "?" not in condition:
            continue
        clauses.append(condition)
        if "?" in condition:
            params += [int(value) if isinstance(value, bool) else value] * condition.count("?")
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def insert_sql(table: str, columns: list[str], returning: str = "") -> str:
    """``INSERT INTO table (a, b) VALUES (?, ?)``, with ``RETURNING returning`` when given."""
    return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
            + (f" RETURNING {returning}" if returning else ""))
