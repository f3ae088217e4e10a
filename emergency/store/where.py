"""One WHERE clause from optional filters: each (condition, value) kept when the value is given (not None, not
empty); a condition with no ``?`` (``closed = 0``) is given by a true value and adds no parameter."""
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
