"""Checks every edge applies to what a person or a script sends: text, identifiers and times.

Each raises InputError naming the field and saying what is allowed; a value echoed back in a
message is cut to a short length, so a huge input never comes back in full.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from .clock import EARLIEST, LATEST
from .errors import InputError

IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
# Bidirectional overrides and isolates make text read differently from what it says.
BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
DRILL_LATEST = LATEST
FUTURE_TOLERANCE = timedelta(days=1)


def plain(value: str | None) -> str | None:
    """``value`` without bidirectional controls and control characters: what a name typed by anyone (a failed
    sign-in's, say) is recorded and shown as, so it reads as what it is (issue 26: U+202E reversed it)."""
    if value is None:
        return None
    return "".join(ch for ch in value if ch not in BIDI and unicodedata.category(ch) not in ("Cc", "Cs", "Cf"))


def shown(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, for messages."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"…(+{len(text) - limit} characters)"


def clean_text(value: Any, field: str, max_len: int, multiline: bool = False, required: bool = False) -> str:
    """A stripped string of at most ``max_len`` characters with no control, bidi-override or surrogate characters.

    ``multiline`` text may hold line breaks and tabs.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InputError(field, f"must be text (got {type(value).__name__})")
    if len(value) > max_len:
        raise InputError(field, f"must be at most {max_len} characters (got {len(value)})")
    for ch in value:
        if multiline and ch in "\n\r\t":
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cs") or ch in BIDI:
            raise InputError(field, f"must not contain control or direction-override characters "
                                    f"(found U+{ord(ch):04X}; 不得含控制字符)")
    value = value.strip()
    if required and not value:
        raise InputError(field, "must be a non-empty string")
    return value


def identifier(value: Any, field: str) -> str | None:
    """An id chosen by a client (event group, drill, idempotency key): 1–64 of A–Z a–z 0–9 _ . : -, or None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not IDENTIFIER.fullmatch(value):
        raise InputError(field, f"must be 1–64 letters, digits, '_', '.', ':' or '-' (got {shown(value)})")
    return value


def plausible_time(dt: datetime, field: str, now: datetime, drill: bool) -> datetime:
    """Refuse a time no incident can have: before 2000, or more than a day after now (drills: before 2100)."""
    if dt < EARLIEST:
        raise InputError(field, f"must not be before 2000-01-01 (got {dt.isoformat()})")
    latest = DRILL_LATEST if drill else now + FUTURE_TOLERANCE
    if dt > latest:
        what = "2100-01-01 for a drill" if drill else "one day from now"
        raise InputError(field, f"must not be later than {what} (got {dt.isoformat()}; 时间不合理)")
    return dt
